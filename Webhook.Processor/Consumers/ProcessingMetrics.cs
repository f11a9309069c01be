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
        _slotWait = meter.CreateHistogram<double>("webhook.processor.slot_wait", "s", "How long an event waited for a free database slot.");
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

    public void SlotTaken(TimeSpan waited) => _slotWait.Record(waited.TotalSeconds);

    sealed class InFlight(UpDownCounter<long> counter) : IDisposable
    {
        public void Dispose() => counter.Add(-1);
    }
}
