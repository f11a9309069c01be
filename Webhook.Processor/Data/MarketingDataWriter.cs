using Microsoft.EntityFrameworkCore;
using Webhook.Contracts;

namespace Webhook.Processor.Data;

/// <summary>What applying an event to the marketing data came to.</summary>
public enum ApplyOutcome
{
    /// <summary>The event's changes were committed.</summary>
    Applied,

    /// <summary>The inbox already held the event: nothing changed.</summary>
    Duplicate,

    /// <summary>The database does not know the email: nothing changed, and the event is not retried.</summary>
    UnknownEmail,
}

/// <summary>Applies an email event to the marketing data in PostgreSQL, exactly once.</summary>
public interface IMarketingDataWriter
{
    /// <param name="redelivered">
    /// The broker delivers the event again (a consumer died or let go of it before settling it): its inbox row is
    /// kept for good, because such an event may be dead-lettered next and come back from a replay, however late.
    /// </param>
    Task<ApplyOutcome> ApplyAsync(EmailEventReceived message, bool redelivered, CancellationToken cancellationToken);

    /// <summary>Keeps the event's inbox row, if it has one, past the retention: it goes to the dead letters.</summary>
    Task RetainAsync(Guid eventId, CancellationToken cancellationToken);
}

/// <summary>
/// One transaction per event: the inbox row and the event's changes commit together or not at all, so a redelivery
/// either finds the row (and changes nothing) or finds nothing of the first attempt. Upserts make concurrent events
/// for the same customer safe; products are touched in id order so two of them cannot deadlock each other.
/// </summary>
public sealed class MarketingDataWriter(WebhookDbContext db, TimeProvider time) : IMarketingDataWriter
{
    public async Task<ApplyOutcome> ApplyAsync(EmailEventReceived message, bool redelivered, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var now = time.GetUtcNow();
        var claimed = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO inbox_messages (event_id, event_type, processed_at, retained)
            VALUES ({message.EventId}, {message.EventType}, {now}, {redelivered})
            ON CONFLICT (event_id) DO NOTHING
            """, cancellationToken);
        if (claimed == 0)
        {
            if (redelivered)
                await RetainAsync(message.EventId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return ApplyOutcome.Duplicate;
        }

        var customerId = await db.Emails.Where(e => e.Id == message.EmailId).Select(e => (int?)e.CustomerId).SingleOrDefaultAsync(cancellationToken);
        if (customerId is null)
        {
            // Committed with its inbox row: a redelivery of an unknown email's event is a duplicate, not new work.
            await transaction.CommitAsync(cancellationToken);
            return ApplyOutcome.UnknownEmail;
        }

        var at = message.OccurredAt;
        switch (message.EventType)
        {
            case EmailEventTypes.Opened:
                await MarkProductsViewedAsync(message.EmailId, customerId.Value, at, cancellationToken);
                break;
            case EmailEventTypes.Clicked:
                await MarkProductsViewedAsync(message.EmailId, customerId.Value, at, cancellationToken);
                db.EmailClicks.Add(new EmailClick { EventId = message.EventId, EmailId = message.EmailId, CustomerId = customerId.Value, ClickedAt = at });
                await db.SaveChangesAsync(cancellationToken);
                break;
            case EmailEventTypes.Spam:
                await db.Customers.Where(c => c.Id == customerId && (c.ComplainedAt == null || c.ComplainedAt > at))
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.ComplainedAt, at), cancellationToken);
                break;
        }

        await transaction.CommitAsync(cancellationToken);
        return ApplyOutcome.Applied;
    }

    public Task RetainAsync(Guid eventId, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"UPDATE inbox_messages SET retained = true WHERE event_id = {eventId} AND NOT retained", cancellationToken);

    Task<int> MarkProductsViewedAsync(string emailId, int customerId, DateTimeOffset at, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO viewed_products (customer_id, product_id, first_viewed_at, last_viewed_at, view_count)
            SELECT {customerId}, ep.product_id, {at}, {at}, 1
            FROM email_products ep
            WHERE ep.email_id = {emailId}
            ORDER BY ep.product_id
            ON CONFLICT (customer_id, product_id) DO UPDATE SET
                first_viewed_at = LEAST(viewed_products.first_viewed_at, EXCLUDED.first_viewed_at),
                last_viewed_at = GREATEST(viewed_products.last_viewed_at, EXCLUDED.last_viewed_at),
                view_count = viewed_products.view_count + 1
            """, ct);
}
