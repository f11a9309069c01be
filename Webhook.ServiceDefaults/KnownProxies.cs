using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Webhook.ServiceDefaults;

/// <summary>
/// Section "Network", its proxies: which hops may say who the client is (X-Forwarded-For) and how it reached them
/// (X-Forwarded-Proto). Loopback always may; from any other hop the headers are ignored, and the client is the address
/// that connected, so a client cannot pose as another by sending them itself. Every host behind a load balancer needs
/// it: the API for its refusal budget, the console for its sign-in budget and its cookies' Secure flag.
/// </summary>
public sealed class KnownProxiesOptions : IValidatableObject
{
    public const string Section = "Network";

    /// <summary>Load balancers and proxies believed, by address.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>The same by network, in CIDR notation (for example the VPC of a load balancer, 10.0.0.0/16).</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row are looked back through in X-Forwarded-For.</summary>
    [Range(1, 10, ErrorMessage = "Network:ForwardLimit must be between 1 and 10.")]
    public int ForwardLimit { get; set; } = 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies.Where(p => !IPAddress.TryParse(p, out _)))
            yield return new ValidationResult($"Network:KnownProxies holds '{proxy}', which is not an IP address.", [nameof(KnownProxies)]);
        foreach (var network in KnownNetworks.Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
            yield return new ValidationResult($"Network:KnownNetworks holds '{network}', which is not a network in CIDR notation (10.0.0.0/16).", [nameof(KnownNetworks)]);
    }
}

public static class KnownProxiesExtensions
{
    /// <summary>
    /// Takes the client's address and scheme from the forwarded headers of known proxies only (Network:KnownProxies,
    /// Network:KnownNetworks); the host's pipeline calls <c>UseForwardedHeaders()</c> first.
    /// </summary>
    public static IServiceCollection AddKnownProxies(this IServiceCollection services)
    {
        services.AddOptions<KnownProxiesOptions>().BindConfiguration(KnownProxiesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<KnownProxiesOptions>>((forwarded, proxies) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = proxies.Value.ForwardLimit;
            foreach (var proxy in proxies.Value.KnownProxies)
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            foreach (var range in proxies.Value.KnownNetworks)
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(range));
        });
        return services;
    }
}
