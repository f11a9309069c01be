using System.Globalization;
using System.Net;
using Webhook.Testing;

namespace Webhook.Tests.System.Api;

/// <summary>
/// Mailgun's single-use tokens on the real store (DynamoDB Local), with two API processes side by side as replicas
/// behind a load balancer: a replay is refused by the other replica too, and a webhook answered 503 is accepted when
/// Mailgun retries it with the same signature.
/// </summary>
public class MailgunReplayTests
{
    static string RecentEvent(string id) =>
        $$$"""{"event":"clicked","id":"{{{id}}}","timestamp":{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60}}},"message":{"headers":{"message-id":"m-{{{id}}}"}},"url":"https://example.com/"}""";

    [Fact]
    public async Task Should_refuse_a_replay_on_the_other_replica_and_accept_a_retry_after_a_503()
    {
        // A queue of one event (its policy's max-length) and no consumer: the second webhook finds it full, and is answered 503.
        await using var system = await RunningSystem.StartAsync(
            settings: new Dictionary<string, string> { ["Webhooks__Mailgun__SigningKey"] = Signing.MailgunSigningKey },
            policy: new Dictionary<string, int> { ["max-length"] = 1 });
        await system.Processor.StopAsync();
        await using var other = new HostProcess("Webhook.Api", system.Environment);
        await other.StartAsync();
        using var otherClient = new HttpClient { BaseAddress = other.BaseAddress };

        var first = Signing.MailgunBody(RecentEvent("ev-first"));
        Assert.Equal(HttpStatusCode.Accepted, (await system.Client.SendAsync(Signing.MailgunRequest(first))).StatusCode);
        // The same signature block, on the other replica, with events of the replayer's choosing.
        var replay = await otherClient.SendAsync(Signing.MailgunRequest(first.Replace("\"clicked\"", "\"complained\"", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);

        // A quorum queue applies its limit as it commits, so it may take one more than the limit: the next ones are
        // refused, and answered 503.
        string second;
        HttpResponseMessage refused;
        var sent = 0;
        do
        {
            second = Signing.MailgunBody(RecentEvent($"ev-next-{sent++}"));
            refused = await otherClient.SendAsync(Signing.MailgunRequest(second));
        }
        while (refused.StatusCode == HttpStatusCode.Accepted && sent < 5);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);

        // The queue has room again: Mailgun's retry carries the first attempt's signature, and is accepted.
        await system.Broker.PurgeQueueAsync(RunningSystem.QueueName);
        var retried = await system.Client.SendAsync(Signing.MailgunRequest(second));
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal(1u, await system.ReadyMessagesAsync(RunningSystem.QueueName));
        Assert.Equal(HttpStatusCode.Unauthorized, (await otherClient.SendAsync(Signing.MailgunRequest(second))).StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(CultureInfo.InvariantCulture));
    }
}
