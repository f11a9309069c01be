using Microsoft.Extensions.Logging;

namespace Webhook.Slots;

/// <summary>
/// A concurrency limit held inside PostgreSQL for work that is one statement: the statement takes one of
/// <c>limit</c> transaction-level advisory locks of class <c>lockClass</c> in its first step (<see cref="Slot"/>), does
/// nothing else unless it got one, and the lock goes with the statement's transaction, at its commit or its abort. No
/// round trip is spent on the slot, none on giving it back, and a session that breaks off mid-statement holds nothing.
/// A replica that lost its broker connection still runs its statements to their end under their slots, so the replica
/// taking over cannot add to them.
/// </summary>
public sealed class StatementSlots(int lockClass, int limit, TimeProvider time, ILogger logger, Action<TimeSpan>? taken = null)
{
    // First: it refuses a limit below one before the slot's query is written.
    readonly SlotWait _wait = new(limit, time, logger, taken);

    /// <summary>
    /// A query to put first in the statement as <c>WITH slot AS MATERIALIZED (…)</c>: one row, the slot's number, when
    /// a slot was free and is now this transaction's; no row when every slot is taken. The rest of the statement must
    /// depend on that row (read from <c>slot</c>), so that it runs only under the slot.
    /// </summary>
    public string Slot { get; } = $"SELECT s FROM generate_series(0, {limit - 1}) AS s WHERE pg_try_advisory_xact_lock({lockClass}, s) LIMIT 1";

    /// <summary>
    /// Runs the statement until it got a slot: <paramref name="attempt"/> returns null when every slot was taken (and
    /// so the statement did nothing).
    /// </summary>
    public Task<T> RunAsync<T>(Func<CancellationToken, Task<T?>> attempt, CancellationToken cancellationToken)
        where T : struct => _wait.UntilTakenAsync(attempt, cancellationToken);
}
