using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Webhook.Api.Options;

/// <summary>
/// Section "Network": which hops may say who the client is, and how many connections, and how slow a body, one
/// process accepts.
/// </summary>
public sealed class NetworkOptions : IValidatableObject
{
    public const string Section = "Network";

    /// <summary>
    /// Load balancers and proxies whose X-Forwarded-For the API believes, by address (loopback always is). From any
    /// other hop the header is ignored, and the client is the address that connected: a client cannot pose as
    /// another by sending the header itself.
    /// </summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>The same by network, in CIDR notation (for example the VPC of a load balancer, 10.0.0.0/16).</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row the API looks back through X-Forwarded-For.</summary>
    [Range(1, 10, ErrorMessage = "Network:ForwardLimit must be between 1 and 10.")]
    public int ForwardLimit { get; set; } = 1;

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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
            yield return new ValidationResult($"Network:KnownProxies holds '{proxy}', which is not an IP address.", [nameof(KnownProxies)]);
        foreach (var network in KnownNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
            yield return new ValidationResult($"Network:KnownNetworks holds '{network}', which is not a network in CIDR notation (10.0.0.0/16).", [nameof(KnownNetworks)]);
    }
}
