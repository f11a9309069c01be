using System.Net;
using Webhook.Testing;

namespace Webhook.Tests.Faults;

/// <summary>A full queue makes the API answer 503, so the provider keeps the event, instead of the broker dropping it.</summary>
[Trait("Category", "Faults")]
[Collection(FaultTestGroup.Name)]
public class BackpressureTests
{
    [Fact]
    public async Task Should_answer_503_with_retry_after_once_the_queue_is_full_and_lose_nothing_accepted()
    {
        // The queue's policy holds at most 10 events. The Processor migrates the database and declares the queue, then
        // stops: nothing drains the queue any more.
        await using var system = await RunningSystem.StartAsync(policy: new Dictionary<string, int> { ["max-length"] = 10 });
        var emails = await system.AddEmailsAsync(1);
        await system.Processor.StopAsync();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 15; i++)
            answers.Add(await system.Client.SendAsync(Signing.StandardRequest($$"""{"emailId":"{{emails[0]}}","eventType":"Opened"}""")));

        // A quorum queue applies its limit as it commits, so one publish past the limit can still get in; what
        // matters is that every 202 is kept and that the rest are refused with a way to come back.
        var accepted = answers.Count(a => a.StatusCode == HttpStatusCode.Accepted);
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Accepted, 10), answers.Take(10).Select(a => a.StatusCode));
        Assert.InRange(accepted, 10, 11);
        Assert.All(answers.Skip(accepted), a =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, a.StatusCode);
            Assert.NotNull(a.Headers.RetryAfter);
        });

        await system.Processor.StartAsync();
        await system.WaitUntilAppliedAsync(accepted);
        await system.SettleAsync();
        Assert.Equal(accepted, await system.AppliedEventsAsync());
        Assert.Equal(accepted, await system.Dynamo.EventCountAsync(emails[0]));
    }
}
