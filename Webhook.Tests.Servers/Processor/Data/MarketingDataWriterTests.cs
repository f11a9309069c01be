using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Webhook.Contracts;
using Webhook.Processor.Data;
using Webhook.Slots;
using Webhook.Tests.Servers.Fixtures;

namespace Webhook.Tests.Servers.Processor.Data;

/// <summary>The inbox and the marketing-data changes, against the real PostgreSQL.</summary>
public class MarketingDataWriterTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    static readonly DateTimeOffset T0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    static EmailEventReceived Event(string emailId, string type, DateTimeOffset at, Guid? id = null) => new()
    {
        EventId = id ?? Guid.NewGuid(),
        EmailId = emailId,
        EventType = type,
        OccurredAt = at,
        ReceivedAt = at.AddSeconds(1),
        Provider = "test",
    };

    async Task<ApplyOutcome> ApplyAsync(EmailEventReceived message, bool redelivered = false)
    {
        await using var dataSource = database.CreateDataSource();
        var slots = new StatementSlots(SlotLocks.Postgres, 3, TimeProvider.System, NullLogger.Instance);
        return await new MarketingDataWriter(dataSource, slots, TimeProvider.System).ApplyAsync(message, redelivered, CancellationToken.None);
    }

    async Task<bool> IsRetainedAsync(Guid eventId)
    {
        await using var db = database.CreateContext();
        return await db.InboxMessages.Where(m => m.EventId == eventId).Select(m => m.Retained).SingleAsync();
    }

    [Fact]
    public async Task Should_keep_the_inbox_row_of_an_event_the_broker_delivers_again_even_when_it_was_applied_before()
    {
        var (emailId, _, _) = await database.AddEmailAsync(productCount: 1);
        var first = Event(emailId, EmailEventTypes.Opened, T0);
        var second = Event(emailId, EmailEventTypes.Opened, T0);

        Assert.Equal(ApplyOutcome.Applied, await ApplyAsync(first));
        Assert.False(await IsRetainedAsync(first.EventId));
        // Applied, then redelivered (its consumer died before acknowledging it): it may be dead-lettered next.
        Assert.Equal(ApplyOutcome.Duplicate, await ApplyAsync(first, redelivered: true));
        Assert.True(await IsRetainedAsync(first.EventId));
        // First seen on a redelivery: kept from the start.
        Assert.Equal(ApplyOutcome.Applied, await ApplyAsync(second, redelivered: true));
        Assert.True(await IsRetainedAsync(second.EventId));
    }

    async Task<List<ViewedProduct>> ViewedAsync(int customerId)
    {
        await using var db = database.CreateContext();
        return await db.ViewedProducts.Where(v => v.CustomerId == customerId).OrderBy(v => v.ProductId).ToListAsync();
    }

    [Fact]
    public async Task Should_mark_every_product_of_the_email_viewed_when_opened()
    {
        var (emailId, customerId, productIds) = await database.AddEmailAsync(productCount: 3);

        Assert.Equal(ApplyOutcome.Applied, await ApplyAsync(Event(emailId, EmailEventTypes.Opened, T0)));

        var viewed = await ViewedAsync(customerId);
        Assert.Equal(productIds.Order(), viewed.Select(v => v.ProductId));
        Assert.All(viewed, v => Assert.Equal((1, T0, T0), (v.ViewCount, v.FirstViewedAt, v.LastViewedAt)));
    }

    [Fact]
    public async Task Should_keep_first_and_last_view_and_count_when_events_arrive_out_of_order()
    {
        var (emailId, customerId, _) = await database.AddEmailAsync(productCount: 1);

        await ApplyAsync(Event(emailId, EmailEventTypes.Opened, T0.AddHours(2)));
        await ApplyAsync(Event(emailId, EmailEventTypes.Clicked, T0));
        await ApplyAsync(Event(emailId, EmailEventTypes.Opened, T0.AddHours(1)));

        var viewed = Assert.Single(await ViewedAsync(customerId));
        Assert.Equal((3, T0, T0.AddHours(2)), (viewed.ViewCount, viewed.FirstViewedAt, viewed.LastViewedAt));
    }

    [Fact]
    public async Task Should_change_nothing_when_the_same_event_is_applied_again()
    {
        var (emailId, customerId, _) = await database.AddEmailAsync();
        var message = Event(emailId, EmailEventTypes.Clicked, T0);

        Assert.Equal(ApplyOutcome.Applied, await ApplyAsync(message));
        Assert.Equal(ApplyOutcome.Duplicate, await ApplyAsync(message));

        Assert.All(await ViewedAsync(customerId), v => Assert.Equal(1, v.ViewCount));
        await using var db = database.CreateContext();
        Assert.Equal(1, await db.EmailClicks.CountAsync(c => c.EmailId == emailId));
    }

    [Fact]
    public async Task Should_apply_once_when_the_same_event_is_applied_concurrently()
    {
        var (emailId, customerId, _) = await database.AddEmailAsync();
        var message = Event(emailId, EmailEventTypes.Opened, T0);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => ApplyAsync(message))));

        Assert.Equal(1, outcomes.Count(o => o == ApplyOutcome.Applied));
        Assert.Equal(7, outcomes.Count(o => o == ApplyOutcome.Duplicate));
        Assert.All(await ViewedAsync(customerId), v => Assert.Equal(1, v.ViewCount));
    }

    [Fact]
    public async Task Should_count_every_distinct_event_when_many_arrive_at_once_for_one_customer()
    {
        var (emailId, customerId, _) = await database.AddEmailAsync(productCount: 4);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => ApplyAsync(Event(emailId, EmailEventTypes.Opened, T0.AddMinutes(i))))));

        Assert.All(await ViewedAsync(customerId), v => Assert.Equal((20, T0, T0.AddMinutes(19)), (v.ViewCount, v.FirstViewedAt, v.LastViewedAt)));
    }

    [Fact]
    public async Task Should_flag_the_customer_with_the_first_complaint_when_reported_as_spam()
    {
        var (emailId, customerId, _) = await database.AddEmailAsync();

        await ApplyAsync(Event(emailId, EmailEventTypes.Spam, T0.AddDays(1)));
        await ApplyAsync(Event(emailId, EmailEventTypes.Spam, T0));

        await using var db = database.CreateContext();
        var customer = await db.Customers.SingleAsync(c => c.Id == customerId);
        Assert.Equal(T0, customer.ComplainedAt);
        Assert.Empty(await ViewedAsync(customerId));
    }

    [Fact]
    public async Task Should_change_nothing_and_not_fail_when_the_email_is_unknown()
    {
        var message = Event("email-nobody-knows", EmailEventTypes.Opened, T0);

        Assert.Equal(ApplyOutcome.UnknownEmail, await ApplyAsync(message));
        Assert.Equal(ApplyOutcome.Duplicate, await ApplyAsync(message));
    }

    [Fact]
    public async Task Should_record_but_change_nothing_for_other_event_types()
    {
        var (emailId, customerId, _) = await database.AddEmailAsync();

        Assert.Equal(ApplyOutcome.Applied, await ApplyAsync(Event(emailId, "delivered", T0)));

        Assert.Empty(await ViewedAsync(customerId));
    }

    [Fact]
    public async Task Should_leave_no_trace_when_the_transaction_fails_midway()
    {
        var (emailId, customerId, _) = await database.AddEmailAsync();
        var message = Event(emailId, EmailEventTypes.Clicked, T0);
        await using (var db = database.CreateContext())
        {
            // A click row with the event's id already there makes the click's insert, the statement's last, fail.
            db.EmailClicks.Add(new EmailClick { EventId = message.EventId, EmailId = emailId, CustomerId = customerId, ClickedAt = T0 });
            await db.SaveChangesAsync();
        }

        var failure = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => ApplyAsync(message));
        Assert.Equal(Npgsql.PostgresErrorCodes.UniqueViolation, failure.SqlState);

        Assert.Empty(await ViewedAsync(customerId));
        await using var check = database.CreateContext();
        Assert.False(await check.InboxMessages.AnyAsync(m => m.EventId == message.EventId));
    }

    [Fact]
    public async Task Should_keep_the_inbox_row_of_an_event_going_to_the_dead_letters_and_do_nothing_for_one_it_never_saw()
    {
        var (emailId, _, _) = await database.AddEmailAsync(productCount: 1);
        var message = Event(emailId, EmailEventTypes.Opened, T0);
        Assert.Equal(ApplyOutcome.Applied, await ApplyAsync(message));
        Assert.False(await IsRetainedAsync(message.EventId));

        await using var dataSource = database.CreateDataSource();
        var writer = new MarketingDataWriter(dataSource, new StatementSlots(SlotLocks.Postgres, 3, TimeProvider.System, NullLogger.Instance), TimeProvider.System);
        await writer.RetainAsync(message.EventId, CancellationToken.None);
        Assert.True(await IsRetainedAsync(message.EventId));

        var never = Guid.NewGuid();
        await writer.RetainAsync(never, CancellationToken.None);
        await using var check = database.CreateContext();
        Assert.False(await check.InboxMessages.AnyAsync(m => m.EventId == never));
    }
}
