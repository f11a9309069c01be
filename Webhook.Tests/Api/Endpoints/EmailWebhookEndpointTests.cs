using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Mvc;
using Webhook.Api.Ingestion;
using Webhook.Contracts;
using Webhook.Providers.Parsing;
using Webhook.Testing;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Api.Endpoints;

public class EmailWebhookEndpointTests
{
    const string OneEvent = """{"emailId":"email-1001","eventType":"Opened"}""";

    static async Task<(HttpResponseMessage Response, ApiFactory Factory)> SendAsync(HttpRequestMessage request, ApiFactory? factory = null)
    {
        factory ??= new ApiFactory();
        await factory.Harness.Start();
        var response = await factory.CreateClient().SendAsync(request);
        return (response, factory);
    }

    static string Padded(int padding) => $$"""{"emailId":"email-1001","eventType":"Opened","pad":"{{new string('x', padding)}}"}""";

    static async Task AssertNothingPublishedAsync(ApiFactory factory) =>
        Assert.False(await factory.Harness.Published.Any<EmailEventReceived>());

    [Fact]
    public async Task Should_accept_and_publish_every_event_with_its_id_as_message_id_when_signed()
    {
        var body = """[{"emailId":"email-1001","eventType":"Opened"},{"emailId":"email-1002","eventType":"clicked"}]""";
        var (response, factory) = await SendAsync(Signing.StandardRequest(body, id: "msg_accepted"));
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.Content.ReadAsStringAsync();
        var accepted = JsonSerializer.Deserialize<AcceptedEvents>(answer, JsonSerializerOptions.Web);
        Assert.Equal(2, accepted!.Accepted);
        Assert.DoesNotContain("problems", answer, StringComparison.OrdinalIgnoreCase);

        var published = factory.Harness.Published.Select<EmailEventReceived>().ToList();
        Assert.Equal(2, published.Count);
        Assert.All(published, p => Assert.Equal(p.Context.Message.EventId, p.Context.MessageId));
        Assert.Equal(accepted.EventIds.Order(), published.Select(p => p.Context.Message.EventId).Order());
        Assert.Equal(["email-1001", "email-1002"], published.Select(p => p.Context.Message.EmailId).Order());
    }

    [Fact]
    public async Task Should_give_a_retried_webhook_the_same_event_ids()
    {
        await using var factory = new ApiFactory();
        await factory.Harness.Start();
        var client = factory.CreateClient();

        var first = await (await client.SendAsync(Signing.StandardRequest(OneEvent, id: "msg_retried"))).Content.ReadFromJsonAsync<AcceptedEvents>();
        var retry = await (await client.SendAsync(Signing.StandardRequest(OneEvent, id: "msg_retried", at: DateTimeOffset.UtcNow.AddSeconds(-30)))).Content.ReadFromJsonAsync<AcceptedEvents>();

        Assert.Equal(first!.EventIds, retry!.EventIds);
    }

    [Fact]
    public async Task Should_accept_a_signed_body_that_starts_with_a_byte_order_mark()
    {
        var (response, factory) = await SendAsync(Signing.StandardRequest("\uFEFF" + OneEvent));
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<AcceptedEvents>())!.Accepted);
        Assert.Equal("email-1001", factory.Harness.Published.Select<EmailEventReceived>().Single().Context.Message.EmailId);
    }

    [Fact]
    public async Task Should_answer_401_and_publish_nothing_when_the_signature_is_wrong()
    {
        var request = Signing.StandardRequest(OneEvent, secret: "whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes("some-other-secret")));
        var (response, factory) = await SendAsync(request);
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertNothingPublishedAsync(factory);
    }

    [Fact]
    public async Task Should_answer_401_when_the_signature_is_missing_even_for_a_bad_body()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/email") { Content = new StringContent("not json", Encoding.UTF8, "application/json") };
        var (response, factory) = await SendAsync(request);
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNothingPublishedAsync(factory);
    }

    [Theory]
    [InlineData("not json", "$")]
    [InlineData("""{"emailId":"email-1001"}""", "$.eventType")]
    [InlineData("""{"emailId":"email\u001b]0;pwned\u0007","eventType":"Opened"}""", "$.emailId")]
    public async Task Should_accept_and_set_aside_what_a_verified_request_brought_naming_the_problem_when_no_event_is_valid(string body, string field)
    {
        var (response, factory) = await SendAsync(Signing.StandardRequest(body, id: "msg_set_aside"));
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<AcceptedEvents>();
        Assert.Equal(0, accepted!.Accepted);
        Assert.Equal(1, accepted.SetAside);
        Assert.Contains(field, accepted.Problems!.Keys);
        await AssertNothingPublishedAsync(factory);
        var setAside = Assert.Single(factory.Harness.Published.Select<EmailEventSetAside>()).Context.Message;
        Assert.Equal(body, setAside.RawEvent);
        Assert.Equal("msg_set_aside", setAside.DeliveryId);
        Assert.Contains(field, setAside.Errors.Keys);
    }

    [Fact]
    public async Task Should_publish_the_valid_events_of_a_batch_and_set_aside_only_the_invalid_one()
    {
        var (response, factory) = await SendAsync(Signing.StandardRequest(
            """[{"emailId":"email-1001","eventType":"Opened"},{"emailId":"email-1001","eventType":"Exploded"},{"emailId":"email-1002","eventType":"Clicked"}]"""));
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<AcceptedEvents>();
        Assert.Equal((2, 1), (accepted!.Accepted, accepted.SetAside));
        Assert.Equal(["$[1].eventType"], accepted.Problems!.Keys);
        Assert.Equal(["email-1001", "email-1002"], factory.Harness.Published.Select<EmailEventReceived>().Select(p => p.Context.Message.EmailId).Order());
        Assert.Equal("$[1]", Assert.Single(factory.Harness.Published.Select<EmailEventSetAside>()).Context.Message.Path);
    }

    [Fact]
    public async Task Should_answer_413_when_the_body_is_over_the_limit()
    {
        var (response, factory) = await SendAsync(Signing.StandardRequest(Padded(2000)), new ApiFactory(new() { ["Webhooks:MaxBodyBytes"] = "1024" }));
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingPublishedAsync(factory);
    }

    [Fact]
    public async Task Should_answer_413_when_a_chunked_body_without_length_is_over_the_limit()
    {
        var request = Signing.StandardRequest(Padded(5000));
        var bytes = await request.Content!.ReadAsByteArrayAsync();
        request.Content = new StreamContent(new MemoryStream(bytes));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = true;

        var (response, factory) = await SendAsync(request, new ApiFactory(new() { ["Webhooks:MaxBodyBytes"] = "1024" }));
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingPublishedAsync(factory);
    }

    [Theory]
    [InlineData("application/json; charset=\"UTF-8\"")]
    [InlineData("APPLICATION/JSON;charset=utf-8")]
    [InlineData("application/cloudevents+json")]
    [InlineData("application/json; charset=utf8")]
    // US-ASCII's bytes are UTF-8's.
    [InlineData("application/json; charset=US-ASCII")]
    public async Task Should_accept_json_in_utf8_however_the_content_type_spells_it(string contentType)
    {
        var request = Signing.StandardRequest(OneEvent);
        request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var (response, factory) = await SendAsync(request);
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("text/plain", "not text/plain")]
    [InlineData("application/json; charset=\"latin1\"", "not in charset \"latin1\"")]
    [InlineData("application/x-www-form-urlencoded", "not application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=latin1", "not in charset \"latin1\"")]
    [InlineData("application/json; charset=\"utf-8-but-a-very-long-name-nobody-has-registered-anywhere\"", "not in charset \"utf-8-but-a-very-long-name-nobody-has-re…\"")]
    [InlineData(null, "no Content-Type")]
    public async Task Should_answer_415_naming_what_the_content_type_says_when_it_is_not_json_in_utf8(string? contentType, string named)
    {
        var request = Signing.StandardRequest(OneEvent);
        request.Content!.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        var (response, factory) = await SendAsync(request);
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains(named, (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail, StringComparison.Ordinal);
        await AssertNothingPublishedAsync(factory);
    }

    [Fact]
    public async Task Should_answer_503_with_retry_after_when_the_broker_does_not_confirm_in_time()
    {
        var stuck = new ApiFactory(new() { ["Webhooks:PublishTimeout"] = "00:00:00.500" },
            configurePublish: p => p.UseExecuteAsync(ctx => Task.Delay(Timeout.Infinite, ctx.CancellationToken)));
        var (response, factory) = await SendAsync(Signing.StandardRequest(OneEvent), stuck);
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Should_answer_503_when_the_broker_refuses_the_event()
    {
        var refusing = new ApiFactory(configurePublish: p => p.UseExecute(_ => throw new InvalidOperationException("queue full (nack)")));
        var (response, factory) = await SendAsync(Signing.StandardRequest(OneEvent), refusing);
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Should_not_serve_the_route_when_no_secret_is_configured()
    {
        var unconfigured = new ApiFactory(new() { ["Webhooks:Email:Secret"] = "" });
        var (response, factory) = await SendAsync(Signing.StandardRequest(OneEvent), unconfigured);
        await using var _ = factory;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Should_answer_live_while_the_broker_is_unreachable()
    {
        // The factory's real registration points at a port where nothing listens; only the harness replaces it.
        await using var factory = new ApiFactory();
        var response = await factory.CreateClient().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
