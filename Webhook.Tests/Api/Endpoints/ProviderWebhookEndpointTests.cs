using System.Net;
using System.Net.Http.Json;
using System.Text;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Webhook.Api.Ingestion;
using Webhook.Contracts;
using Webhook.Providers.Parsing;
using Webhook.Testing;
using Webhook.Tests.Fixtures;
using Webhook.Tests.Providers.Parsing;
using Webhook.Tests.Providers.Verification;

namespace Webhook.Tests.Api.Endpoints;

public class ProviderWebhookEndpointTests
{
    /// <summary>An hour ago: an event's own time must be close to when it arrives (ProviderPayload.IsPlausible).</summary>
    static readonly long AnHourAgo = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();

    static readonly string OpenedAndClicked = $$"""
        [{"email":"a@example.com","timestamp":{{AnHourAgo}},"event":"open","sg_message_id":"msg-1.filter0001","email_id":"email-1001"},
         {"email":"a@example.com","timestamp":{{AnHourAgo + 1}},"event":"click","sg_message_id":"msg-1.filter0001","url":"https://example.com/p/1"},
         {"email":"a@example.com","timestamp":{{AnHourAgo + 2}},"event":"delivered","sg_message_id":"msg-1.filter0001"}]
        """;

    /// <summary>Mailgun's documented click, as if it had happened an hour ago.</summary>
    static readonly string RecentClick = MailgunEventParserTests.DocumentedClicked.Replace("1377075564.094891", AnHourAgo + ".094891", StringComparison.Ordinal);

    static async Task<ApiFactory> StartedAsync(ApiFactory factory)
    {
        await factory.Harness.Start();
        return factory;
    }

    static List<EmailEventReceived> Published(ApiFactory factory) =>
        factory.Harness.Published.Select<EmailEventReceived>().Select(p => p.Context.Message).ToList();

    [Fact]
    public async Task Should_accept_a_signed_sendgrid_batch_and_publish_each_event_under_its_type()
    {
        await using var factory = await StartedAsync(new ApiFactory());

        var response = await factory.CreateClient().SendAsync(Signing.SendGridRequest(OpenedAndClicked));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var published = Published(factory);
        Assert.Equal([EmailEventTypes.Opened, EmailEventTypes.Clicked, "delivered"], published.OrderBy(e => e.OccurredAt).Select(e => e.EventType));
        Assert.Equal(["email-1001", "msg-1.filter0001", "msg-1.filter0001"], published.OrderBy(e => e.OccurredAt).Select(e => e.EmailId));
        Assert.All(published, e => Assert.Equal("sendgrid", e.Provider));
    }

    [Fact]
    public async Task Should_accept_the_batch_published_by_sendgrid_python_through_the_route()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(long.Parse(SendGridWebhookVerifierTests.Published.BatchTimestamp, System.Globalization.CultureInfo.InvariantCulture)));
        await using var factory = await StartedAsync(new ApiFactory(
            new() { ["Webhooks:SendGrid:VerificationKey"] = SendGridWebhookVerifierTests.Published.BatchKey },
            configureServices: s => s.AddSingleton<TimeProvider>(clock)));
        var request = Signing.JsonRequest("/webhooks/sendgrid", Encoding.UTF8.GetBytes(SendGridWebhookVerifierTests.Published.BatchPayload));
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Signature", SendGridWebhookVerifierTests.Published.BatchSignature);
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Timestamp", SendGridWebhookVerifierTests.Published.BatchTimestamp);

        var response = await factory.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var e = Assert.Single(Published(factory));
        Assert.Equal("dropped", e.EventType);
        Assert.Equal("LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0", e.EmailId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1600112492), e.OccurredAt);
    }

    [Fact]
    public async Task Should_accept_the_valid_events_of_a_sendgrid_batch_and_set_aside_the_invalid_one()
    {
        await using var factory = await StartedAsync(new ApiFactory());
        var batch = OpenedAndClicked.Replace("\"event\":\"delivered\"", "\"event\":\"Delivered!\"", StringComparison.Ordinal);

        var response = await factory.CreateClient().SendAsync(Signing.SendGridRequest(batch));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<AcceptedEvents>();
        Assert.Equal((2, 1), (accepted!.Accepted, accepted.SetAside));
        Assert.Equal(["$[2].event"], accepted.Problems!.Keys);
        Assert.Equal([EmailEventTypes.Clicked, EmailEventTypes.Opened], Published(factory).Select(e => e.EventType).Order());
        var setAside = Assert.Single(factory.Harness.Published.Select<EmailEventSetAside>()).Context.Message;
        Assert.Equal(("sendgrid", "$[2]"), (setAside.Provider, setAside.Path));
        Assert.Contains("Delivered!", setAside.RawEvent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_accept_a_sendgrid_batch_larger_than_the_general_body_limit()
    {
        await using var factory = await StartedAsync(new ApiFactory());
        var one = """{"email":"a@example.com","timestamp":""" + AnHourAgo + ""","event":"delivered","sg_message_id":"msg-{0}"}""";
        var batch = "[" + string.Join(",", Enumerable.Range(0, 4000).Select(i => one.Replace("{0}", i.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))) + "]";
        Assert.True(batch.Length > 256 * 1024);
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Signing.SendGridRequest(batch))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.SendAsync(Signing.StandardRequest("[" + new string(' ', 300 * 1024) + "]"))).StatusCode);
    }

    [Fact]
    public async Task Should_accept_a_signed_mailgun_event_and_refuse_its_replay()
    {
        await using var factory = await StartedAsync(new ApiFactory());
        var client = factory.CreateClient();
        var body = Signing.MailgunBody(RecentClick);

        var first = await client.SendAsync(Signing.MailgunRequest(body));
        // The same signature block with events of the replayer's choosing: the signature does not cover them.
        var replay = await client.SendAsync(Signing.MailgunRequest(body.Replace("\"clicked\"", "\"complained\"", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("replay", (await replay.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail, StringComparison.Ordinal);
        var e = Assert.Single(Published(factory));
        Assert.Equal(EmailEventTypes.Clicked, e.EventType);
        Assert.Equal("mailgun", e.Provider);
        Assert.Equal("used", Assert.Single(factory.Tokens.States).Value);
    }

    [Fact]
    public async Task Should_accept_mailguns_retry_of_a_webhook_answered_503_with_the_same_token()
    {
        var brokerDown = true;
        await using var factory = await StartedAsync(new ApiFactory(new() { ["Webhooks:PublishTimeout"] = "00:00:00.500" },
            configurePublish: p => p.UseExecute(_ => { if (brokerDown) throw new InvalidOperationException("broker down"); })));
        var client = factory.CreateClient();
        var body = Signing.MailgunBody(RecentClick);

        var refused = await client.SendAsync(Signing.MailgunRequest(body));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Empty(factory.Tokens.States);

        brokerDown = false;
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Signing.MailgunRequest(body))).StatusCode);
        Assert.Equal(EmailEventTypes.Clicked, Assert.Single(Published(factory)).EventType);
    }

    [Theory]
    [InlineData("""{"event":"opened"}""")]
    [InlineData("""[]""")]
    [InlineData("""{"event":"opened","id":"ev-1","timestamp":"soon","message":{"headers":{"message-id":"m"}}}""")]
    public async Task Should_accept_and_set_aside_verified_mailgun_event_data_that_is_unusable(string eventData)
    {
        await using var factory = await StartedAsync(new ApiFactory());

        var response = await factory.CreateClient().SendAsync(Signing.MailgunRequest(Signing.MailgunBody(eventData)));

        // Mailgun stops retrying on 2xx: a verified body it made unusable would never improve.
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<AcceptedEvents>())!.SetAside);
        Assert.False(await factory.Harness.Published.Any<EmailEventReceived>());
        Assert.True(await factory.Harness.Published.Any<EmailEventSetAside>());
    }

    [Fact]
    public async Task Should_answer_401_not_406_when_a_mailgun_body_is_not_signed()
    {
        await using var factory = await StartedAsync(new ApiFactory());

        var response = await factory.CreateClient().SendAsync(Signing.MailgunRequest($$"""{"event-data":{{MailgunEventParserTests.DocumentedOpened}}}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Should_not_serve_unconfigured_providers_and_say_so_once_at_start()
    {
        var log = new LogCapture();
        await using var factory = await StartedAsync(new ApiFactory(
            new() { ["Webhooks:SendGrid:VerificationKey"] = "", ["Webhooks:Mailgun:SigningKey"] = "" },
            configureServices: s => s.AddSingleton<ILoggerProvider>(log)));
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(Signing.SendGridRequest(OpenedAndClicked))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(Signing.MailgunRequest(Signing.MailgunBody(RecentClick)))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Signing.StandardRequest("""{"emailId":"e","eventType":"Opened"}"""))).StatusCode);
        Assert.Single(log.Messages, m => m == "/webhooks/sendgrid is not served: Webhooks:SendGrid:VerificationKey is not set");
        Assert.Single(log.Messages, m => m == "/webhooks/mailgun is not served: Webhooks:Mailgun:SigningKey is not set");
        Assert.DoesNotContain(log.Messages, m => m.StartsWith("/webhooks/email", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Webhooks:SendGrid:VerificationKey", "bm90IGEga2V5")]
    [InlineData("Webhooks:SendGrid:VerificationKey", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE")]
    [InlineData("Webhooks:Mailgun:SigningKey", "short")]
    [InlineData("Webhooks:Mailgun:SigningKey", "key-3ax6xnjp29jd6fds4gc373sgvjxteol0 ")]
    [InlineData("Webhooks:Email:PreviousSecret", "whsec_%%%")]
    [InlineData("Webhooks:RejectionRateLimit:Permits", "0")]
    public void Should_fail_to_start_naming_the_key_when_a_key_is_malformed(string key, string value)
    {
        var failure = StartupValidation.ApiFailure(new Dictionary<string, string?> { [key] = value });

        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_accept_both_secrets_during_a_standard_webhooks_key_rotation_and_no_other()
    {
        const string newSecret = "whsec_bmV3LXNlY3JldC1hZnRlci10aGUtcm90YXRpb24tMDEyMw==";
        const string unknownSecret = "whsec_dW5rbm93bi1zZWNyZXQtbm90LWNvbmZpZ3VyZWQtYXQtYWxs";
        await using var factory = await StartedAsync(new ApiFactory(new() { ["Webhooks:Email:Secret"] = newSecret, ["Webhooks:Email:PreviousSecret"] = Signing.TestSecret }));
        var client = factory.CreateClient();
        const string body = """{"emailId":"email-1001","eventType":"Opened"}""";

        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Signing.StandardRequest(body, secret: Signing.TestSecret))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(Signing.StandardRequest(body, secret: newSecret))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Signing.StandardRequest(body, secret: unknownSecret))).StatusCode);
        Assert.Equal(2, Published(factory).Count);
    }

    [Fact]
    public async Task Should_accept_a_sender_signing_with_old_and_new_secret_once_the_previous_secret_is_removed()
    {
        // A sender mid-rotation puts both signatures in one header; after the receiver drops the old secret,
        // the new signature alone carries the request.
        const string newSecret = "whsec_bmV3LXNlY3JldC1hZnRlci10aGUtcm90YXRpb24tMDEyMw==";
        await using var factory = await StartedAsync(new ApiFactory(new() { ["Webhooks:Email:Secret"] = newSecret }));
        var request = Signing.StandardRequest("""{"emailId":"email-1001","eventType":"Opened"}""", secret: Signing.TestSecret, id: "msg_rotating");
        var bytes = await request.Content!.ReadAsByteArrayAsync();
        var timestamp = long.Parse(request.Headers.GetValues("webhook-timestamp").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var both = $"{request.Headers.GetValues("webhook-signature").Single()} {Signing.Sign(newSecret, "msg_rotating", timestamp, bytes)}";
        request.Headers.Remove("webhook-signature");
        request.Headers.Add("webhook-signature", both);

        Assert.Equal(HttpStatusCode.Accepted, (await factory.CreateClient().SendAsync(request)).StatusCode);
    }
}
