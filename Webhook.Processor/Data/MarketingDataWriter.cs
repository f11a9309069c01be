using Npgsql;
using Webhook.Contracts;
using Webhook.Slots;

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
/// One statement per event, and so one round trip and one transaction: it takes one of the database's slots
/// (<see cref="StatementSlots"/>) and, only under it, claims the event's inbox row and makes the event's changes,
/// which commit together or not at all. A redelivery either finds the row (and changes nothing) or finds nothing of
/// the first attempt. Upserts make concurrent events for the same customer safe; products are touched in id order so
/// that two of them cannot deadlock each other.
/// </summary>
public sealed class MarketingDataWriter(NpgsqlDataSource dataSource, StatementSlots slots, TimeProvider time) : IMarketingDataWriter
{
    // $1 event id, $2 event type, $3 now, $4 redelivered, $5 email id, $6 occurred at, $7 marks the email's products
    // viewed, $8 is a click, $9 is a spam report. Every step reads the one before it (slot, then claim, then email), so
    // nothing is written without the slot, and nothing of the event's without its inbox row being new. Both statements
    // are written once, when the writer is made: one writer serves every event.
    readonly string _applySql = $"""
        WITH slot AS MATERIALIZED ({slots.Slot}),
        claim AS (
            INSERT INTO inbox_messages (event_id, event_type, processed_at, retained)
            SELECT $1, $2, $3, $4 FROM slot
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
        ),
        kept AS (
            UPDATE inbox_messages SET retained = true
            WHERE event_id = $1 AND $4 AND NOT retained AND EXISTS (SELECT 1 FROM slot) AND NOT EXISTS (SELECT 1 FROM claim)
        ),
        email AS MATERIALIZED (
            SELECT e.customer_id FROM emails e WHERE e.id = $5 AND EXISTS (SELECT 1 FROM claim)
        ),
        viewed AS (
            INSERT INTO viewed_products (customer_id, product_id, first_viewed_at, last_viewed_at, view_count)
            SELECT email.customer_id, ep.product_id, $6, $6, 1
            FROM email CROSS JOIN email_products ep
            WHERE ep.email_id = $5 AND $7
            ORDER BY ep.product_id
            ON CONFLICT (customer_id, product_id) DO UPDATE SET
                first_viewed_at = LEAST(viewed_products.first_viewed_at, EXCLUDED.first_viewed_at),
                last_viewed_at = GREATEST(viewed_products.last_viewed_at, EXCLUDED.last_viewed_at),
                view_count = viewed_products.view_count + 1
        ),
        click AS (
            INSERT INTO email_clicks (event_id, email_id, customer_id, clicked_at)
            SELECT $1, $5, email.customer_id, $6 FROM email WHERE $8
        ),
        spam AS (
            UPDATE customers c SET complained_at = $6
            FROM email
            WHERE $9 AND c.id = email.customer_id AND (c.complained_at IS NULL OR c.complained_at > $6)
        )
        SELECT EXISTS (SELECT 1 FROM slot), EXISTS (SELECT 1 FROM claim), (SELECT customer_id FROM email)
        """;

    readonly string _retainSql = $"""
        WITH slot AS MATERIALIZED ({slots.Slot}),
        kept AS (
            UPDATE inbox_messages SET retained = true WHERE event_id = $1 AND NOT retained AND EXISTS (SELECT 1 FROM slot)
        )
        SELECT EXISTS (SELECT 1 FROM slot)
        """;

    public Task<ApplyOutcome> ApplyAsync(EmailEventReceived message, bool redelivered, CancellationToken cancellationToken) =>
        slots.RunAsync(async ct =>
        {
            await using var command = dataSource.CreateCommand(_applySql);
            var type = message.EventType;
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = message.EventId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = type });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
            command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = redelivered });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = message.EmailId });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = message.OccurredAt.ToUniversalTime() });
            command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = type is EmailEventTypes.Opened or EmailEventTypes.Clicked });
            command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = type == EmailEventTypes.Clicked });
            command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = type == EmailEventTypes.Spam });

            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (!reader.GetBoolean(0))
                return (ApplyOutcome?)null;
            if (!reader.GetBoolean(1))
                return ApplyOutcome.Duplicate;
            // Committed with its inbox row: a redelivery of an unknown email's event is a duplicate, not new work.
            return reader.IsDBNull(2) ? ApplyOutcome.UnknownEmail : ApplyOutcome.Applied;
        }, cancellationToken);

    public Task RetainAsync(Guid eventId, CancellationToken cancellationToken) =>
        slots.RunAsync(async ct =>
        {
            await using var command = dataSource.CreateCommand(_retainSql);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = eventId });
            return await command.ExecuteScalarAsync(ct) is true ? true : (bool?)null;
        }, cancellationToken);
}
