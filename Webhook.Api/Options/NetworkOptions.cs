using System.ComponentModel.DataAnnotations;

namespace Webhook.Api.Options;

/// <summary>
/// Section "Network": how many connections, and how slow a body, one process accepts. Which hops may say who the
/// client is: <see cref="Webhook.ServiceDefaults.KnownProxiesOptions"/>, in the same section.
/// </summary>
public sealed class NetworkOptions
{
    public const string Section = "Network";

    /// <summary>Connections one process holds at once (Kestrel's MaxConcurrentConnections); more wait in the listen backlog.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Network:MaxConcurrentConnections must be between 1 and 1000000.")]
    public int MaxConcurrentConnections { get; set; } = 10_000;

    /// <summary>The slowest body accepted after <see cref="BodyGracePeriod"/>, in bytes per second: a client trickling bytes is cut off.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Network:MinBodyBytesPerSecond must be between 1 and 1000000.")]
    public double MinBodyBytesPerSecond { get; set; } = 240;

    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Network:BodyGracePeriod must be between 00:00:01 and 00:05:00.")]
    public TimeSpan BodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a client may take to send its request's headers.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Network:RequestHeadersTimeout must be between 00:00:01 and 00:05:00.")]
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
