using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Webhook.Slots;

/// <summary>
/// A concurrency limit held where the database sees it, for work that is not a statement of its own (a DynamoDB
/// write): <c>limit</c> slots, each a session-level advisory lock of class <c>lockClass</c> held by a session opened
/// for it. A replica that lost its broker connection still has its events in hand, and still holds their slots until
/// they finish, so the replica that takes over waits for them instead of doubling the load; a replica that dies loses
/// its sessions, and PostgreSQL frees their slots at once. Work inside PostgreSQL takes its slot inside its own
/// statement instead (<see cref="StatementSlots"/>). <c>taken</c> hears how long each slot was waited for.
/// </summary>
public sealed class DatabaseSlots(NpgsqlDataSource dataSource, int lockClass, int limit, TimeProvider time,
    ILogger logger, Action<TimeSpan>? taken = null) : IDatabaseSlots
{
    readonly SlotWait _wait = new(limit, time, logger, taken);

    /// <summary>
    /// Opens a session and takes a free slot on it, waiting while every slot is taken. The slot is that session's
    /// until the returned handle is disposed, which gives it back and closes the session (back to the pool).
    /// </summary>
    public async Task<IHeldSlot> TakeAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var slot = await _wait.UntilTakenAsync(ct => TryTakeAsync(connection, ct), cancellationToken);
            return new DatabaseSlot(connection, lockClass, slot);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>One round trip: the first free slot, locked for this session, or null when all are taken.</summary>
    async Task<int?> TryTakeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // LIMIT 1 stops at the first slot locked: a set-returning scan hands its rows on one at a time.
        await using var command = new NpgsqlCommand(
            "SELECT s FROM generate_series(0, $1 - 1) AS s WHERE pg_try_advisory_lock($2, s) LIMIT 1", connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = _wait.Limit });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = lockClass });
        return await command.ExecuteScalarAsync(cancellationToken) is int slot ? slot : null;
    }
}

/// <summary>The concurrency limit as a store sees it: a slot held for the whole of an event's work in it.</summary>
public interface IDatabaseSlots
{
    /// <summary>Waits for a free slot and takes it; disposing the result lets go of it.</summary>
    Task<IHeldSlot> TakeAsync(CancellationToken cancellationToken);
}

/// <summary>A slot in hand; disposing it lets go of it.</summary>
public interface IHeldSlot : IAsyncDisposable
{
    /// <summary>
    /// Which of the limit's slots it is, from 0 to the limit less one: no other holder, in any replica, has the same
    /// number while this one is held, so work that must not overlap with another's at once can be keyed by it.
    /// </summary>
    int Number { get; }
}

/// <summary>A slot held by a session; disposing lets go of it and closes the session (back to the pool).</summary>
public sealed class DatabaseSlot(NpgsqlConnection connection, int lockClass, int number) : IHeldSlot
{
    public int Number => number;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2)", connection);
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = lockClass });
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
            await connection.DisposeAsync();
        }
    }
}
