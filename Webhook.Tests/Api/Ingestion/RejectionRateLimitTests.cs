using System.Net;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Webhook.Api.Ingestion;
using Webhook.ServiceDefaults;
using Webhook.Testing;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Api.Ingestion;

public class RejectionRateLimitTests
{
    const string OneEvent = """{"emailId":"email-1001","eventType":"Opened"}""";
    const string Attacker = "203.0.113.7";
    const string Provider = "198.51.100.20";

    static ApiFactory Factory(int permits, string window = "00:01:00", Action<IPublishPipeConfigurator>? configurePublish = null) =>
        new(new() { ["Webhooks:RejectionRateLimit:Permits"] = permits.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Webhooks:RejectionRateLimit:Window"] = window },
            configurePublish);

    static HttpRequestMessage From(string client, HttpRequestMessage request)
    {
        request.Headers.Add(ApiFactory.ClientIpHeader, client);
        return request;
    }

    static HttpRequestMessage Fake(string client) => From(client, Forged());

    static HttpRequestMessage Forged() => Signing.StandardRequest(OneEvent, secret: "whsec_Zm9yZ2VkLWJ5LXNvbWVvbmUtd2l0aG91dC10aGUta2V5");

    static HttpRequestMessage Genuine(string client) => From(client, Signing.StandardRequest(OneEvent));

    [Fact]
    public async Task Should_answer_429_with_retry_after_once_a_client_has_spent_its_budget()
    {
        await using var factory = Factory(permits: 3);
        await factory.Harness.Start();
        var client = factory.CreateClient();

        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Fake(Attacker))).StatusCode);
        var limited = await client.SendAsync(Fake(Attacker));

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.InRange(limited.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Should_keep_accepting_another_clients_verified_traffic_during_a_flood_of_fakes()
    {
        await using var factory = Factory(permits: 5);
        await factory.Harness.Start();
        var client = factory.CreateClient();

        // Waves of ten at once: the budget is checked at the start and spent at the end, so requests in flight
        // together can overshoot it by their number.
        var flood = new List<HttpResponseMessage>();
        for (var wave = 0; wave < 5; wave++)
            flood.AddRange(await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.SendAsync(Fake(Attacker)))));
        var genuine = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.SendAsync(Genuine(Provider))));

        Assert.InRange(flood.Count(r => r.StatusCode == HttpStatusCode.Unauthorized), 5, 5 + 9);
        Assert.Equal(50, flood.Count(r => r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests));
        Assert.All(genuine, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Fake(Provider))).StatusCode);
    }

    [Fact]
    public async Task Should_not_spend_the_budget_on_verified_requests()
    {
        await using var factory = Factory(permits: 2);
        await factory.Harness.Start();
        var client = factory.CreateClient();

        for (var i = 0; i < 10; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Genuine(Provider))).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Fake(Provider))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Fake(Provider))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(Fake(Provider))).StatusCode);
    }

    [Fact]
    public async Task Should_not_spend_the_budget_when_the_broker_is_at_fault()
    {
        await using var factory = Factory(permits: 1, configurePublish: p => p.UseExecute(_ => throw new InvalidOperationException("queue full (nack)")));
        await factory.Harness.Start();
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.SendAsync(Genuine(Provider))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.SendAsync(Genuine(Provider))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Fake(Provider))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(Fake(Provider))).StatusCode);
    }

    [Fact]
    public async Task Should_spend_the_budget_on_every_kind_of_refusal_and_never_refuse_a_verified_request()
    {
        await using var factory = Factory(permits: 4);
        await factory.Harness.Start();
        var client = factory.CreateClient();
        var wrongType = Genuine(Attacker);
        wrongType.Content!.Headers.ContentType = new("text/plain");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await client.SendAsync(wrongType)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(From(Attacker, Signing.MailgunRequest("""{"event-data":{}}""")))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Fake(Attacker))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.SendAsync(From(Attacker, Signing.StandardRequest(new string(' ', 300 * 1024) + OneEvent)))).StatusCode);
        // Spent: what does not verify gets 429 now, what does is accepted, its unusable events set aside.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(Fake(Attacker))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(From(Attacker, Signing.StandardRequest("not json")))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Genuine(Attacker))).StatusCode);
    }

    [Fact]
    public async Task Should_accept_verified_requests_from_an_address_whose_budget_fakes_have_spent()
    {
        // SendGrid and Mailgun send every customer's webhooks from shared addresses: anyone can spend the budget of
        // those addresses with fakes, and the genuine deliveries from them must still get through.
        await using var factory = Factory(permits: 3);
        await factory.Harness.Start();
        var client = factory.CreateClient();
        for (var i = 0; i < 5; i++)
            await client.SendAsync(Fake(Provider));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(Fake(Provider))).StatusCode);

        var genuine = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.SendAsync(Genuine(Provider))));
        var signedSendGrid = await client.SendAsync(From(Provider, Signing.SendGridRequest(
            $$"""[{"event":"open","timestamp":{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}},"sg_message_id":"m-1"}]""")));

        Assert.All(genuine, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Equal(HttpStatusCode.Accepted, signedSendGrid.StatusCode);
    }

    [Fact]
    public async Task Should_take_the_client_from_x_forwarded_for_only_when_a_known_proxy_sent_it()
    {
        const string balancer = "10.0.0.5";
        await using var factory = new ApiFactory(new()
        {
            ["Webhooks:RejectionRateLimit:Permits"] = "2",
            ["Network:KnownProxies:0"] = balancer,
        });
        await factory.Harness.Start();
        var client = factory.CreateClient();
        HttpRequestMessage Through(string hop, string forwardedFor)
        {
            var request = Forged();
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            return From(hop, request);
        }

        // Through the balancer: each client has its own budget, whatever the balancer's address.
        for (var i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Through(balancer, Attacker))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(Through(balancer, Attacker))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Through(balancer, Provider))).StatusCode);

        // From a hop that is not a known proxy, the header is ignored: the attacker cannot pose as someone else.
        const string stranger = "192.0.2.99";
        for (var i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Through(stranger, $"198.51.100.{i}"))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(Through(stranger, "198.51.100.77"))).StatusCode);
    }

    [Fact]
    public async Task Should_renew_the_budget_after_the_window()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var factory = new ApiFactory(
            new() { ["Webhooks:RejectionRateLimit:Permits"] = "1", ["Webhooks:RejectionRateLimit:Window"] = "00:00:10" },
            configureServices: services => services.AddSingleton<TimeProvider>(clock));
        await factory.Harness.Start();
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Fake(Attacker))).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(9));
        var limited = await client.SendAsync(Fake(Attacker));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), limited.Headers.RetryAfter?.Delta);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Fake(Attacker))).StatusCode);
    }

    [Theory]
    [InlineData("2001:db8:1:2:a::1", "2001:db8:1:2:b::2", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1", true)]
    [InlineData("192.0.2.1", "192.0.2.2", false)]
    public void Should_group_ipv6_clients_by_their_64_bit_network(string first, string second, bool same)
    {
        static string Key(string address) => RejectionRateLimiter.ClientKey(new DefaultHttpContext { Connection = { RemoteIpAddress = IPAddress.Parse(address) } });

        Assert.Equal(same, Key(first) == Key(second));
    }
}
