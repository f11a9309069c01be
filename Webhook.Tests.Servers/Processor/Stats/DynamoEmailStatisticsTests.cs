using Webhook.Contracts;
using Webhook.Processor.Stats;
using Webhook.Storage;
using Webhook.Testing;
using Webhook.Tests.Servers.Fixtures;

namespace Webhook.Tests.Servers.Processor.Stats;

/// <summary>Exactly-once counting, against the real DynamoDB Local.</summary>
public class DynamoEmailStatisticsTests(DynamoTables fixture) : IClassFixture<DynamoTables>
{
    static readonly DateTimeOffset T0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    IsolatedTables dynamo => fixture.Tables;

    DynamoEmailStatistics Statistics => new(dynamo.Client, dynamo.Tables);

    static EmailEventReceived Event(string emailId, string type, DateTimeOffset at) => new()
    {
        EventId = Guid.NewGuid(),
        EmailId = emailId,
        EventType = type,
        OccurredAt = at,
        ReceivedAt = at,
        Provider = "test",
    };

    static string NewEmailId() => "email-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Should_count_an_event_once_when_it_is_recorded_twice()
    {
        var emailId = NewEmailId();
        var message = Event(emailId, EmailEventTypes.Clicked, T0);

        Assert.True(await Statistics.RecordAsync(message, 0, CancellationToken.None));
        Assert.False(await Statistics.RecordAsync(message, 0, CancellationToken.None));

        Assert.Equal(1, await dynamo.EmailCounterAsync(emailId, "Clicks"));
        Assert.Equal(1, await dynamo.EmailCounterAsync(emailId, "Events"));
        Assert.Equal(1, await dynamo.EventCountAsync(emailId));
    }

    [Fact]
    public async Task Should_keep_every_counter_of_an_email()
    {
        var emailId = NewEmailId();
        foreach (var type in new[] { EmailEventTypes.Opened, EmailEventTypes.Opened, EmailEventTypes.Clicked, EmailEventTypes.Spam, "delivered" })
            await Statistics.RecordAsync(Event(emailId, type, T0), 0, CancellationToken.None);

        Assert.Equal(2, await dynamo.EmailCounterAsync(emailId, "Opens"));
        Assert.Equal(1, await dynamo.EmailCounterAsync(emailId, "Clicks"));
        Assert.Equal(1, await dynamo.EmailCounterAsync(emailId, "SpamReports"));
        Assert.Equal(5, await dynamo.EmailCounterAsync(emailId, "Events"));
        Assert.Equal(5, await dynamo.EventCountAsync(emailId));
    }

    [Fact]
    public async Task Should_count_per_day_and_type()
    {
        var day = new DateTimeOffset(2031, 1, 2, 0, 0, 0, TimeSpan.Zero);
        await Statistics.RecordAsync(Event(NewEmailId(), "bounce", day.AddHours(1)), 0, CancellationToken.None);
        await Statistics.RecordAsync(Event(NewEmailId(), "bounce", day.AddHours(23)), 0, CancellationToken.None);
        await Statistics.RecordAsync(Event(NewEmailId(), "bounce", day.AddDays(1)), 0, CancellationToken.None);

        Assert.Equal(2, await dynamo.DayCountAsync(day, "bounce"));
        Assert.Equal(1, await dynamo.DayCountAsync(day.AddDays(1), "bounce"));
    }

    [Fact]
    public async Task Should_keep_first_and_last_open_when_opens_arrive_out_of_order()
    {
        var emailId = NewEmailId();
        foreach (var hours in new[] { 5, 1, 9, 3 })
            await Statistics.RecordAsync(Event(emailId, EmailEventTypes.Opened, T0.AddHours(hours)), 0, CancellationToken.None);

        var totals = await dynamo.EmailTotalsAsync(emailId);
        Assert.Equal(StatsTables.FormatTime(T0.AddHours(1)), totals!["FirstOpenedAt"].S);
        Assert.Equal(StatsTables.FormatTime(T0.AddHours(9)), totals["LastOpenedAt"].S);
    }

    [Fact]
    public async Task Should_count_a_late_open_once_when_it_is_recorded_twice()
    {
        var emailId = NewEmailId();
        var late = Event(emailId, EmailEventTypes.Opened, T0);
        Assert.True(await Statistics.RecordAsync(Event(emailId, EmailEventTypes.Opened, T0.AddHours(2)), 0, CancellationToken.None));

        Assert.True(await Statistics.RecordAsync(late, 0, CancellationToken.None));
        Assert.False(await Statistics.RecordAsync(late, 0, CancellationToken.None));

        Assert.Equal(2, await dynamo.EmailCounterAsync(emailId, "Opens"));
        var totals = await dynamo.EmailTotalsAsync(emailId);
        Assert.Equal(StatsTables.FormatTime(T0), totals!["FirstOpenedAt"].S);
        Assert.Equal(StatsTables.FormatTime(T0.AddHours(2)), totals["LastOpenedAt"].S);
    }

    [Fact]
    public async Task Should_keep_the_first_open_when_a_later_one_comes_to_an_email_with_other_events()
    {
        var emailId = NewEmailId();
        await Statistics.RecordAsync(Event(emailId, EmailEventTypes.Clicked, T0), 0, CancellationToken.None);
        await Statistics.RecordAsync(Event(emailId, EmailEventTypes.Opened, T0.AddHours(1)), 0, CancellationToken.None);
        await Statistics.RecordAsync(Event(emailId, EmailEventTypes.Opened, T0.AddHours(1)), 0, CancellationToken.None);
        await Statistics.RecordAsync(Event(emailId, EmailEventTypes.Opened, T0.AddHours(4)), 0, CancellationToken.None);

        Assert.Equal(3, await dynamo.EmailCounterAsync(emailId, "Opens"));
        Assert.Equal(4, await dynamo.EmailCounterAsync(emailId, "Events"));
        var totals = await dynamo.EmailTotalsAsync(emailId);
        Assert.Equal(StatsTables.FormatTime(T0.AddHours(1)), totals!["FirstOpenedAt"].S);
        Assert.Equal(StatsTables.FormatTime(T0.AddHours(4)), totals["LastOpenedAt"].S);
    }

    [Fact]
    public async Task Should_count_every_open_and_keep_the_extremes_when_opens_race()
    {
        var emailId = NewEmailId();
        var events = Enumerable.Range(0, 12).Select(i => Event(emailId, EmailEventTypes.Opened, T0.AddMinutes(i))).ToArray();

        var counted = await Task.WhenAll(events.Select((e, i) => Task.Run(() => Statistics.RecordAsync(e, i, CancellationToken.None))));

        Assert.All(counted, Assert.True);
        Assert.Equal(12, await dynamo.EmailCounterAsync(emailId, "Opens"));
        var totals = await dynamo.EmailTotalsAsync(emailId);
        Assert.Equal(StatsTables.FormatTime(T0), totals!["FirstOpenedAt"].S);
        Assert.Equal(StatsTables.FormatTime(T0.AddMinutes(11)), totals["LastOpenedAt"].S);
    }

    [Fact]
    public async Task Should_count_once_when_the_same_event_races_itself()
    {
        var emailId = NewEmailId();
        var message = Event(emailId, EmailEventTypes.Opened, T0);

        var counted = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() => Statistics.RecordAsync(message, i, CancellationToken.None))));

        Assert.Equal(1, counted.Count(c => c));
        Assert.Equal(1, await dynamo.EmailCounterAsync(emailId, "Opens"));
    }

    [Fact]
    public async Task Should_keep_a_days_count_in_one_share_per_slot_and_sum_them()
    {
        var day = new DateTimeOffset(2031, 3, 4, 0, 0, 0, TimeSpan.Zero);
        foreach (var slot in new[] { 0, 1, 2, 0 })
            Assert.True(await Statistics.RecordAsync(Event(NewEmailId(), EmailEventTypes.Clicked, day.AddHours(slot + 1)), slot, CancellationToken.None));

        var shares = await dynamo.DayCountSharesAsync(day, EmailEventTypes.Clicked);
        Assert.Equal([2, 1, 1], shares.Values);
        Assert.Equal(4, await dynamo.DayCountAsync(day, EmailEventTypes.Clicked));
    }

    [Fact]
    public async Task Should_write_no_item_another_event_is_writing_when_the_two_hold_different_slots()
    {
        // The first event's transaction is held in flight; the second, of the same day and type on another slot, must
        // not meet it.
        var day = new DateTimeOffset(2031, 3, 5, 9, 0, 0, TimeSpan.Zero);
        var (client, statistics, first, release) = await FirstHeldInFlightAsync(day, EmailEventTypes.Opened);
        using (client)
        {
            Assert.True(await statistics.RecordAsync(Event(NewEmailId(), EmailEventTypes.Opened, day.AddMinutes(1)), 1, CancellationToken.None));
            Assert.False(first.IsCompleted);
            release.SetResult();
            Assert.True(await first);

            Assert.Equal(0, client.Conflicts);
            Assert.Equal(2, await dynamo.DayCountAsync(day, EmailEventTypes.Opened));
        }
    }

    [Fact]
    public async Task Should_count_once_each_when_transactions_on_the_same_share_meet_and_are_cancelled()
    {
        var day = new DateTimeOffset(2031, 3, 6, 9, 0, 0, TimeSpan.Zero);
        var (client, statistics, first, release) = await FirstHeldInFlightAsync(day, EmailEventTypes.Clicked);
        using (client)
        {
            var second = statistics.RecordAsync(Event(NewEmailId(), EmailEventTypes.Clicked, day.AddMinutes(1)), 0, CancellationToken.None);
            await WaitUntilAsync(() => client.Conflicts >= 1);
            release.SetResult();

            var counted = await Task.WhenAll(first, second);
            Assert.Equal([true, true], counted);
            Assert.Equal(2, await dynamo.DayCountAsync(day, EmailEventTypes.Clicked));
        }
    }

    /// <summary>
    /// An event counted on slot 0 through a client that cancels transactions as DynamoDB does (DynamoDB Local never
    /// does), its transaction held in flight until the release.
    /// </summary>
    async Task<(ConflictingTransactionsClient Client, DynamoEmailStatistics Statistics, Task<bool> First, TaskCompletionSource Release)>
        FirstHeldInFlightAsync(DateTimeOffset at, string eventType)
    {
        var client = new ConflictingTransactionsClient(dynamo.Client.Config);
        var statistics = new DynamoEmailStatistics(client, dynamo.Tables);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Holding(release.Task);
        var first = statistics.RecordAsync(Event(NewEmailId(), eventType, at), 0, CancellationToken.None);
        await WaitUntilAsync(() => client.InFlight == 1);
        return (client, statistics, first, release);
    }

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
            await Task.Delay(10, cts.Token);
    }
}
