using System.Net;
using MassTransit;
using Webhook.Api.Ingestion;
using Webhook.Contracts;
using Webhook.Testing;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Api.Ingestion;

/// <summary>A batch's events are published many at a time, but no more than the window: what a request holds is bounded.</summary>
public class EventPublisherTests
{
    [Fact]
    public async Task Should_keep_no_more_than_the_window_of_a_batch_awaiting_the_broker_and_publish_every_event()
    {
        const int events = 3 * EventPublisher.PublishesInFlight + 5;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = 0;
        var peak = 0;
        await using var factory = new ApiFactory(configurePublish: p => p.UseExecuteAsync(async _ =>
        {
            var now = Interlocked.Increment(ref inFlight);
            Peaks.Raise(ref peak, now);
            await release.Task;
            Interlocked.Decrement(ref inFlight);
        }));
        await factory.Harness.Start();

        var body = "[" + string.Join(",", Enumerable.Range(0, events).Select(i => $$"""{"emailId":"email-{{i}}","eventType":"Opened"}""")) + "]";
        var sending = factory.CreateClient().SendAsync(Signing.StandardRequest(body));
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (Volatile.Read(ref inFlight) < EventPublisher.PublishesInFlight)
                await Task.Delay(10, limit.Token);
        }
        // None of them is confirmed: the next of the batch waits for a place in the window.
        await Task.Delay(200);
        Assert.Equal(EventPublisher.PublishesInFlight, Volatile.Read(ref inFlight));

        release.SetResult();
        Assert.Equal(HttpStatusCode.Accepted, (await sending).StatusCode);
        Assert.Equal(EventPublisher.PublishesInFlight, peak);
        Assert.Equal(events, factory.Harness.Published.Select<EmailEventReceived>().Count());
    }
}
