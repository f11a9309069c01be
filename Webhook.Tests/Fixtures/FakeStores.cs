using System.Collections.Concurrent;
using Webhook.Contracts;
using Webhook.Processor.Data;
using Webhook.Processor.Stats;
using Webhook.Slots;
using Webhook.Storage;
using Webhook.Testing;

namespace Webhook.Tests.Fixtures;

/// <summary>A marketing-data store that records how many events it had in hand at once, and can be made slow or failing.</summary>
public sealed class RecordingMarketingData(TimeSpan? delay = null, Func<EmailEventReceived, int, Exception?>? fail = null) : IMarketingDataWriter
{
    readonly ConcurrentDictionary<Guid, int> _attempts = new();
    int _current;
    int _peak;
    int _completed;

    public int Peak => Volatile.Read(ref _peak);
    public int Completed => Volatile.Read(ref _completed);

    public int AttemptsFor(Guid eventId) => _attempts.GetValueOrDefault(eventId);

    public ConcurrentQueue<Guid> Retained { get; } = new();

    public Task RetainAsync(Guid eventId, CancellationToken cancellationToken)
    {
        Retained.Enqueue(eventId);
        return Task.CompletedTask;
    }

    public async Task<ApplyOutcome> ApplyAsync(EmailEventReceived message, bool redelivered, CancellationToken cancellationToken)
    {
        var attempt = _attempts.AddOrUpdate(message.EventId, 1, (_, n) => n + 1);
        var now = Interlocked.Increment(ref _current);
        try
        {
            Peaks.Raise(ref _peak, now);

            if (delay is { } d)
                await Task.Delay(d, cancellationToken);
            if (fail?.Invoke(message, attempt) is { } exception)
                throw exception;
            Interlocked.Increment(ref _completed);
            return ApplyOutcome.Applied;
        }
        finally
        {
            Interlocked.Decrement(ref _current);
        }
    }
}

/// <summary>
/// Statistics that count in memory, once per event id; each write can be held until <paramref name="release"/>
/// completes, and the most in hand at once is recorded, with the slots the writes in hand were given.
/// </summary>
public sealed class InMemoryStatistics(Task? release = null) : IEmailStatistics
{
    readonly ConcurrentDictionary<Guid, byte> _seen = new();
    readonly ConcurrentDictionary<int, int> _slots = new();
    int _current;
    int _peak;
    int _waiting;
    int _sharedSlots;

    public int Peak => Volatile.Read(ref _peak);

    /// <summary>Writes held until the release.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>The slot numbers the writes in hand were given.</summary>
    public IReadOnlyList<int> SlotsInUse => [.. _slots.Where(s => s.Value > 0).Select(s => s.Key).Order()];

    /// <summary>How many times a write was given a slot number another write in hand had.</summary>
    public int SharedSlots => Volatile.Read(ref _sharedSlots);

    public async Task<bool> RecordAsync(EmailEventReceived message, int slot, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref _current);
        if (_slots.AddOrUpdate(slot, 1, (_, n) => n + 1) > 1)
            Interlocked.Increment(ref _sharedSlots);
        try
        {
            Peaks.Raise(ref _peak, now);
            if (release is not null)
            {
                Interlocked.Increment(ref _waiting);
                await release.WaitAsync(cancellationToken);
                Interlocked.Decrement(ref _waiting);
            }
            return _seen.TryAdd(message.EventId, 0);
        }
        finally
        {
            _slots.AddOrUpdate(slot, 0, (_, n) => n - 1);
            Interlocked.Decrement(ref _current);
        }
    }
}

/// <summary>
/// Database slots without a database: counts what is taken and given back, and the most held at once; each slot taken
/// is numbered with the lowest number not held, as the database's are.
/// </summary>
public sealed class CountingSlots : IDatabaseSlots
{
    readonly SortedSet<int> _numbers = [];
    int _held;
    int _taken;
    int _peak;

    public int Held => Volatile.Read(ref _held);
    public int Taken => Volatile.Read(ref _taken);
    public int Peak => Volatile.Read(ref _peak);

    public Task<IHeldSlot> TakeAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _taken);
        var now = Interlocked.Increment(ref _held);
        Peaks.Raise(ref _peak, now);
        int number;
        lock (_numbers)
        {
            number = 0;
            while (_numbers.Contains(number))
                number++;
            _numbers.Add(number);
        }
        return Task.FromResult<IHeldSlot>(new Slot(this, number));
    }

    sealed class Slot(CountingSlots slots, int number) : IHeldSlot
    {
        int _released;

        public int Number => number;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                lock (slots._numbers)
                    slots._numbers.Remove(number);
                Interlocked.Decrement(ref slots._held);
            }
            return ValueTask.CompletedTask;
        }
    }
}
