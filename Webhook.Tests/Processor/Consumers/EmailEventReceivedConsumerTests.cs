using MassTransit;
using MassTransit.Testing;
using Webhook.Contracts;
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
    }

    [Fact]
    public async Task Should_retry_a_transient_failure_and_then_succeed()
    {
        var message = NewEvent();
        var store = new RecordingMarketingData(fail: (_, attempt) => attempt <= 2 ? new TimeoutException("database timeout") : null);
        await using var factory = new ProcessorHarnessFactory(store, new InMemoryStatistics());
        await factory.Harness.Start();

        await factory.Harness.Bus.Publish(message);

        Assert.True(await factory.Harness.Consumed.Any<EmailEventReceived>(x => x.Context.Message.EventId == message.EventId));
        await WaitUntilAsync(() => store.Completed == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(3, store.AttemptsFor(message.EventId));
        Assert.False(await factory.Harness.Published.Any<Fault<EmailEventReceived>>());
    }

    [Fact]
    public async Task Should_fault_after_the_retry_limit_when_the_failure_persists()
    {
        var message = NewEvent();
        var store = new RecordingMarketingData(fail: (_, _) => new TimeoutException("database down"));
        await using var factory = new ProcessorHarnessFactory(store, new InMemoryStatistics(), new() { ["Processor:RetryLimit"] = "4" });
        await factory.Harness.Start();

        await factory.Harness.Bus.Publish(message);

        Assert.True(await factory.Harness.Published.Any<Fault<EmailEventReceived>>(x => x.Context.Message.Message.EventId == message.EventId));
        Assert.Equal(5, store.AttemptsFor(message.EventId));
    }

    [Fact]
    public async Task Should_fault_at_once_without_retrying_when_the_failure_is_permanent()
    {
        var message = NewEvent();
        var store = new RecordingMarketingData(fail: (_, _) => new InvalidOperationException("a bug, not an outage"));
        await using var factory = new ProcessorHarnessFactory(store, new InMemoryStatistics());
        await factory.Harness.Start();

        await factory.Harness.Bus.Publish(message);

        var fault = await factory.Harness.Published.SelectAsync<Fault<EmailEventReceived>>().First();
        Assert.Contains("a bug, not an outage", fault.Context.Message.Exceptions[0].Message, StringComparison.Ordinal);
        Assert.Equal(1, store.AttemptsFor(message.EventId));
    }
}
