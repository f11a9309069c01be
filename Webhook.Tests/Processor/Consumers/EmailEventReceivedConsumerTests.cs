using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Webhook.Contracts;
using Webhook.Processor.Consumers;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Processor.Consumers;

public class EmailEventReceivedConsumerTests
{
    static EmailEventReceived NewEvent(string emailId = "email-1001") => new()
    {
        EventId = Guid.NewGuid(),
        EmailId = emailId,
        EventType = EmailEventTypes.Opened,
        OccurredAt = DateTimeOffset.UtcNow,
        ReceivedAt = DateTimeOffset.UtcNow,
        Provider = "test",
    };

    static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!condition())
            await Task.Delay(20, cts.Token);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public async Task Should_run_exactly_the_configured_number_at_once_when_a_burst_arrives(int limit)
    {
        var store = new RecordingMarketingData(delay: TimeSpan.FromMilliseconds(150));
        await using var factory = new ProcessorHarnessFactory(store, new InMemoryStatistics(),
            new() { ["Processor:ConcurrencyLimit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var harness = factory.Harness;
        await harness.Start();

        const int burst = 36;
        await Task.WhenAll(Enumerable.Range(0, burst).Select(_ => harness.Bus.Publish(NewEvent())));
        await WaitUntilAsync(() => store.Completed == burst, TimeSpan.FromSeconds(60));

        Assert.Equal(limit, store.Peak);
        // Each event's statistics held a slot of their own while they were written, and gave it back.
        Assert.InRange(factory.Slots.Peak, 1, limit);
        Assert.Equal(burst, factory.Slots.Taken);
        Assert.Equal(0, factory.Slots.Held);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Should_apply_events_to_PostgreSQL_while_their_statistics_wait_and_write_no_more_statistics_at_once_than_the_limit(int limit)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var statistics = new InMemoryStatistics(release.Task);
        var store = new RecordingMarketingData();
        await using var factory = new ProcessorHarnessFactory(store, statistics,
            new() { ["Processor:ConcurrencyLimit"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var harness = factory.Harness;
        await harness.Start();

        // Twice the limit in hand: the statistics of the first events are stuck, yet PostgreSQL's slots go on working.
        var events = Enumerable.Range(0, 2 * limit).Select(_ => NewEvent()).ToList();
        await Task.WhenAll(events.Select(e => harness.Bus.Publish(e)));
        await WaitUntilAsync(() => store.Completed == 2 * limit && statistics.Waiting == limit, TimeSpan.FromSeconds(30));
        var heldSlots = factory.Slots.Held;
        var slotsWriting = statistics.SlotsInUse;

        release.SetResult();
        Assert.Equal(limit, heldSlots);
        // Each write in hand counts on the share of the slot it holds: no two on the same day's item at once.
        Assert.Equal(Enumerable.Range(0, limit), slotsWriting);
        await WaitUntilAsync(() => factory.Slots.Taken == 2 * limit && factory.Slots.Held == 0, TimeSpan.FromSeconds(30));
        Assert.Equal(limit, statistics.Peak);
        Assert.Equal(limit, factory.Slots.Peak);
        Assert.Equal(0, statistics.SharedSlots);
        Assert.InRange(store.Peak, 1, limit);
    }

    [Fact]
    public async Task Should_retry_a_transient_failure_and_then_succeed()
    {
        var message = NewEvent();
        var store = new RecordingMarketingData(fail: (_, attempt) => attempt <= 2 ? new TimeoutException("database timeout") : null);
        await using var factory = new ProcessorHarnessFactory(store, new InMemoryStatistics());
        await factory.Harness.Start();

        await factory.Harness.Bus.Publish(message);

        // Waits that end on what happened, not on the harness's inactivity: a busy machine may pause for longer.
        await WaitUntilAsync(() => store.Completed == 1, TimeSpan.FromSeconds(60));
        await WaitUntilAsync(() => factory.Harness.Consumed.Select<EmailEventReceived>(x => x.Context.Message.EventId == message.EventId).Any(),
            TimeSpan.FromSeconds(60));
        Assert.Equal(3, store.AttemptsFor(message.EventId));
        Assert.False(await factory.Harness.Published.Any<Fault<EmailEventReceived>>());
        // A slot per attempt, each given back: an event waiting for its retry holds none.
        Assert.Equal(3, factory.Slots.Taken);
        Assert.Equal(0, factory.Slots.Held);
    }

    [Fact]
    public async Task Should_keep_retrying_a_failure_that_is_not_the_events_own_and_say_consumption_is_paused()
    {
        var message = NewEvent();
        var down = true;
        var store = new RecordingMarketingData(fail: (_, _) => down ? new TimeoutException("database down") : null);
        await using var factory = new ProcessorHarnessFactory(store, new InMemoryStatistics());
        await factory.Harness.Start();
        var state = factory.Services.GetRequiredService<ConsumptionState>();

        await factory.Harness.Bus.Publish(message);
        // Far more attempts than any retry limit would allow: it is not given up on.
        await WaitUntilAsync(() => store.AttemptsFor(message.EventId) >= 20, TimeSpan.FromSeconds(60));
        var pause = state.Current;
        down = false;
        await WaitUntilAsync(() => store.Completed == 1, TimeSpan.FromSeconds(30));

        Assert.NotNull(pause);
        Assert.Contains("database down", pause.Reason, StringComparison.Ordinal);
        Assert.False(await factory.Harness.Published.Any<Fault<EmailEventReceived>>());
        Assert.Null(state.Current);
    }

    [Fact]
    public async Task Should_keep_retrying_a_bug_rather_than_dead_letter_the_stream_behind_it()
    {
        var message = NewEvent();
        var store = new RecordingMarketingData(fail: (_, attempt) => attempt <= 5 ? new InvalidOperationException("a bug, not the event's fault") : null);
        await using var factory = new ProcessorHarnessFactory(store, new InMemoryStatistics());
        await factory.Harness.Start();

        await factory.Harness.Bus.Publish(message);
        await WaitUntilAsync(() => store.Completed == 1, TimeSpan.FromSeconds(30));

        Assert.Equal(6, store.AttemptsFor(message.EventId));
        Assert.False(await factory.Harness.Published.Any<Fault<EmailEventReceived>>());
    }

    [Fact]
    public async Task Should_fault_at_once_without_retrying_when_a_store_refuses_the_events_own_data()
    {
        var message = NewEvent();
        var store = new RecordingMarketingData(fail: (_, _) => new Npgsql.PostgresException("value too long for type character varying(256)", "ERROR", "ERROR", "22001"));
        await using var factory = new ProcessorHarnessFactory(store, new InMemoryStatistics());
        await factory.Harness.Start();

        await factory.Harness.Bus.Publish(message);

        var fault = await factory.Harness.Published.SelectAsync<Fault<EmailEventReceived>>().First();
        Assert.Contains("value too long", fault.Context.Message.Exceptions[0].Message, StringComparison.Ordinal);
        Assert.Equal(1, store.AttemptsFor(message.EventId));
        // Its PostgreSQL half may have committed beside the refusal: the row is kept for the replay of the dead letter.
        Assert.Equal([message.EventId], store.Retained);
    }
}
