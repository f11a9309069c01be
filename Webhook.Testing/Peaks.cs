namespace Webhook.Testing;

/// <summary>The most seen at once, kept by concurrent counters.</summary>
public static class Peaks
{
    /// <summary>Raises <paramref name="peak"/> to <paramref name="value"/> if that is higher, atomically.</summary>
    public static void Raise(ref int peak, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, value, seen) != seen)
        {
        }
    }
}
