using System.Diagnostics.Metrics;
using Webhook.Processor.Data;

namespace Webhook.Processor.Consumers;

/// <summary>Counters of the Processor (meter "Webhook.Processor").</summary>
public sealed class ProcessingMetrics
{
    public const string MeterName = "Webhook.Processor";
    readonly Counter<long> _processed;
    readonly Counter<long> _unknownEmails;
    readonly UpDownCounter<long> _inFlight;
    readonly Histogram<double> _slotWait;

    public ProcessingMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _processed = meter.CreateCounter<long>("webhook.events.processed", "{event}", "Events consumed, by type and outcome.");
        _unknownEmails = meter.CreateCounter<long>("webhook.events.unknown_email", "{event}", "Events for an email the database does not know.");
        _inFlight = meter.CreateUpDownCounter<long>("webhook.events.in_flight", "{event}", "Events being processed now in this process.");
        _slotWait = meter.CreateHistogram<double>(SlotWaitInstrument, "s", "How long an event waited for a free slot, by store (postgres, dynamodb).");
    }

    public IDisposable StartProcessing()
    {
        _inFlight.Add(1);
        return new InFlight(_inFlight);
    }

    public void Processed(string eventType, ApplyOutcome outcome, bool counted)
    {
        _processed.Add(1,
            new KeyValuePair<string, object?>("type", eventType),
            new KeyValuePair<string, object?>("outcome", outcome.ToString()),
            new KeyValuePair<string, object?>("counted", counted));
        if (outcome == ApplyOutcome.UnknownEmail)
            _unknownEmails.Add(1);
    }

    public const string SlotWaitInstrument = "webhook.processor.slot_wait";

    /// <summary>The store tag of the slots for PostgreSQL's work.</summary>
    public const string PostgresStore = "postgres";

    /// <summary>The store tag of the slots for the statistics' writes to DynamoDB.</summary>
    public const string StatisticsStore = "dynamodb";

    /// <summary>
    /// A slot of <paramref name="store"/> was taken after <paramref name="waited"/>: each store has a limit of its
    /// own, so that a wait shows which of them is full.
    /// </summary>
    public void SlotTaken(string store, TimeSpan waited) =>
        _slotWait.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("store", store));

    sealed class InFlight(UpDownCounter<long> counter) : IDisposable
    {
        public void Dispose() => counter.Add(-1);
    }
}
