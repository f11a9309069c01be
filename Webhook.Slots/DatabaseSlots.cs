using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Webhook.Slots;

/// <summary>
/// A concurrency limit held where the database sees it: <c>limit</c> slots (the Processor's
/// Processor:ConcurrencyLimit), each a session-level advisory lock in PostgreSQL. An event's work starts only once its
/// connection holds a free slot, and lets go of it when both stores are done. The broker's single active consumer
/// keeps the bound while every replica is healthy; the slots keep it when it is not: a replica that lost its broker
/// connection still has its events in hand, and still holds their slots until they finish, so the replica that takes
/// over waits for them instead of doubling the load (a replica that dies loses its sessions, and PostgreSQL frees
/// their slots at once). <c>taken</c> hears how long each slot was waited for.
/// </summary>
public sealed partial class DatabaseSlots(DbContext db, int limit, TimeProvider time, ILogger<DatabaseSlots> logger,
    Action<TimeSpan>? taken = null) : IDatabaseSlots
{
    /// <summary>The first key of the slots' advisory locks (the second is the slot's number): "whsl".</summary>
    public const int LockClass = 0x7768_736C;

    static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(10);
    static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(200);
    static readonly TimeSpan LongWait = TimeSpan.FromSeconds(10);

    readonly int _limit = limit > 0 ? limit : throw new ArgumentOutOfRangeException(nameof(limit), limit, "At least one slot.");

    /// <summary>
    /// Opens the scope's context's connection and takes a free slot on it, waiting while every slot is taken. The slot
    /// is that connection's until the returned handle is disposed; the context works on that connection meanwhile.
    /// </summary>
    public async Task<IAsyncDisposable> TakeAsync(CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var started = time.GetTimestamp();
        var wait = FirstWait;
        var warned = false;
        try
        {
            while (true)
            {
                if (await TryTakeAsync(connection, cancellationToken) is { } slot)
                {
                    taken?.Invoke(time.GetElapsedTime(started));
                    return new DatabaseSlot(db, connection, slot);
                }
                if (!warned && time.GetElapsedTime(started) > LongWait)
                {
                    warned = true;
                    LogWaiting(logger, _limit, LongWait);
                }
                await Task.Delay(wait, time, cancellationToken);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestWait.Ticks));
            }
        }
        catch
        {
            await db.Database.CloseConnectionAsync();
            throw;
        }
    }

    /// <summary>One round trip: the first free slot, locked for this session, or null when all are taken.</summary>
    async Task<int?> TryTakeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // LIMIT 1 stops at the first slot locked: a set-returning scan hands its rows on one at a time.
        await using var command = new NpgsqlCommand(
            "SELECT s FROM generate_series(0, $1 - 1) AS s WHERE pg_try_advisory_lock($2, s) LIMIT 1", connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _limit });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = LockClass });
        return await command.ExecuteScalarAsync(cancellationToken) is int slot ? slot : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Every one of the {Limit} database slots has been taken for over {Waited}: the events in hand wait. Another Processor replica that lost its broker connection may still be finishing its events, or replicas run with different Processor:ConcurrencyLimit settings")]
    static partial void LogWaiting(ILogger logger, int limit, TimeSpan waited);
}

/// <summary>The concurrency limit as the stores see it: a slot held for the whole of an event's work.</summary>
public interface IDatabaseSlots
{
    /// <summary>Waits for a free slot and takes it; disposing the result lets go of it.</summary>
    Task<IAsyncDisposable> TakeAsync(CancellationToken cancellationToken);
}

/// <summary>A slot held by a context's connection; disposing lets go of it and closes the connection (back to the pool).</summary>
public sealed class DatabaseSlot(DbContext db, NpgsqlConnection connection, int number) : IAsyncDisposable
{
    public int Number => number;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2)", connection);
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = DatabaseSlots.LockClass });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = number });
                await command.ExecuteScalarAsync(CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or DbException or InvalidOperationException)
        {
            // The session is gone (PostgreSQL restarted, the connection broke), and its lock with it. A connection
            // that still works but could not unlock must not go back to the pool holding the slot.
            if (connection.State == System.Data.ConnectionState.Open)
                NpgsqlConnection.ClearPool(connection);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
