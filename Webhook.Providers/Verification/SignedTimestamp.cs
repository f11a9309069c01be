using System.Globalization;

namespace Webhook.Providers.Verification;

/// <summary>
/// The Unix-seconds timestamp every provider signs, and the tolerance that makes a captured request useless once it
/// has passed (each provider's TimestampTolerance, either way, so a fast clock on either side does not matter).
/// </summary>
public static class SignedTimestamp
{
    static readonly long MaxSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>Why <paramref name="value"/> is not a timestamp within the tolerance, or null when it is.</summary>
    public static string? Check(string? value, string name, TimeProvider time, TimeSpan tolerance, out DateTimeOffset signedAt)
    {
        signedAt = default;
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > MaxSeconds)
            return $"The {name} must be Unix seconds.";
        signedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return (time.GetUtcNow() - signedAt).Duration() > tolerance
            ? $"The {name} is outside the tolerance of {tolerance}."
            : null;
    }
}
