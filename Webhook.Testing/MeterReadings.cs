using System.Diagnostics.Metrics;

namespace Webhook.Testing;

/// <summary>What the instruments of one meter of a service provider report now, as an exporter would read them.</summary>
public static class MeterReadings
{
    /// <summary>
    /// The last value of each instrument of <paramref name="meterName"/> created through <paramref name="meters"/>
    /// (observable ones observed once), by instrument name.
    /// </summary>
    public static Dictionary<string, long> Read(IMeterFactory meters, string meterName)
    {
        var readings = new Dictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Meter.Name == meterName)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => readings[instrument.Name] = value);
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => readings[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return readings;
    }
}
