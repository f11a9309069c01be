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

        Assert.True(await Statistics.RecordAsync(message, CancellationToken.None));
        Assert.False(await Statistics.RecordAsync(message, CancellationToken.None));

        Assert.Equal(1, await dynamo.EmailCounterAsync(emailId, "Clicks"));
        Assert.Equal(1, await dynamo.EmailCounterAsync(emailId, "Events"));
        Assert.Equal(1, await dynamo.EventCountAsync(emailId));
    }

    [Fact]
    public async Task Should_keep_every_counter_of_an_email()
    {
        var emailId = NewEmailId();
        foreach (var type in new[] { EmailEventTypes.Opened, EmailEventTypes.Opened, EmailEventTypes.Clicked, EmailEventTypes.Spam, "delivered" })
            await Statistics.RecordAsync(Event(emailId, type, T0), CancellationToken.None);

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
        await Statistics.RecordAsync(Event(NewEmailId(), "bounce", day.AddHours(1)), CancellationToken.None);
        await Statistics.RecordAsync(Event(NewEmailId(), "bounce", day.AddHours(23)), CancellationToken.None);
        await Statistics.RecordAsync(Event(NewEmailId(), "bounce", day.AddDays(1)), CancellationToken.None);

        Assert.Equal(2, await dynamo.DayCountAsync(day, "bounce"));
        Assert.Equal(1, await dynamo.DayCountAsync(day.AddDays(1), "bounce"));
    }

    [Fact]
    public async Task Should_keep_first_and_last_open_when_opens_arrive_out_of_order()
    {
        var emailId = NewEmailId();
        foreach (var hours in new[] { 5, 1, 9, 3 })
            await Statistics.RecordAsync(Event(emailId, EmailEventTypes.Opened, T0.AddHours(hours)), CancellationToken.None);

        var totals = await dynamo.EmailTotalsAsync(emailId);
        Assert.Equal(StatsTables.FormatTime(T0.AddHours(1)), totals!["FirstOpenedAt"].S);
        Assert.Equal(StatsTables.FormatTime(T0.AddHours(9)), totals["LastOpenedAt"].S);
    }

    [Fact]
    public async Task Should_count_a_late_open_once_when_it_is_recorded_twice()
    {
        var emailId = NewEmailId();
        var late = Event(emailId, EmailEventTypes.Opened, T0);
        Assert.True(await Statistics.RecordAsync(Event(emailId, EmailEventTypes.Opened, T0.AddHours(2)), CancellationToken.None));

        Assert.True(await Statistics.RecordAsync(late, CancellationToken.None));
        Assert.False(await Statistics.RecordAsync(late, CancellationToken.None));

        Assert.Equal(2, await dynamo.EmailCounterAsync(emailId, "Opens"));
        var totals = await dynamo.EmailTotalsAsync(emailId);
        Assert.Equal(StatsTables.FormatTime(T0), totals!["FirstOpenedAt"].S);
        Assert.Equal(StatsTables.FormatTime(T0.AddHours(2)), totals["LastOpenedAt"].S);
    }

    [Fact]
    public async Task Should_keep_the_first_open_when_a_later_one_comes_to_an_email_with_other_events()
    {
        var emailId = NewEmailId();
        await Statistics.RecordAsync(Event(emailId, EmailEventTypes.Clicked, T0), CancellationToken.None);
        await Statistics.RecordAsync(Event(emailId, EmailEventTypes.Opened, T0.AddHours(1)), CancellationToken.None);
        await Statistics.RecordAsync(Event(emailId, EmailEventTypes.Opened, T0.AddHours(1)), CancellationToken.None);
        await Statistics.RecordAsync(Event(emailId, EmailEventTypes.Opened, T0.AddHours(4)), CancellationToken.None);

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

        var counted = await Task.WhenAll(events.Select(e => Task.Run(() => Statistics.RecordAsync(e, CancellationToken.None))));

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

        var counted = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => Statistics.RecordAsync(message, CancellationToken.None))));

        Assert.Equal(1, counted.Count(c => c));
        Assert.Equal(1, await dynamo.EmailCounterAsync(emailId, "Opens"));
    }
}
