using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Webhook.ServiceDefaults;

/// <summary>
/// Keys that stand in this product's own sources, for development, tests and benchmarks (and in its history: the
/// development secret that appsettings.Development.json once held). Anyone can sign with them (or sign in with them),
/// so a host refuses to start with one unless it listens on loopback only, where only this machine can reach it. Kept
/// as SHA-256 hashes.
/// </summary>
public static class PublishedKeys
{
    static readonly HashSet<string> Hashes = new(StringComparer.Ordinal)
    {
        "0fef11e1f9cd6352f27497cb22f436076126f0e96154cd4fa8478c8443069014",
        "16753d380bfa05832dd2fec0be406fc130bea0d899684436259870de246497af",
        "2ab429ca677dba95359f8c5813a66337d796bba4c712afa31c23bab6c346625d",
        "3a04f1b2aac5c380f235c61ee7a37640a6172cf68d69f7660080aee542b39360",
        "4dbf7112039cf250b9048441d6ec2f8e344f540461bb2dde14ea80243ec05e85",
        "59c06a931633e84a97d22a86b7c658984c63545d2d93a3853376fba063f9d871",
        "754dbcbc23e150edaac3795f4f6ba6c0633ed7a3a0c5f9dce9e5d132c9c49312",
        "8315a8ba5cb50f36a341f323f0e9998d3fe711583b098f5be49769d548f6e962",
        "86cd55da3b6adabdd82f5eade6f102177995346c5a103d9f94974d41817ceb11",
        "9c846fdf0fa8955c377d0301542ee20ecd4585c5f359aa0a4cf15d44424f573d",
        "aa63b0ebb4958fbe941bc584741e5a6ccf74afe27a4cce86bc94c3f927c92a67",
        "b3ffc959a218c24a70c63d801c380d60159e0cf265ec863c7a4658de992ea28c",
        "bdc3d2fa4a98c9e4ce22d7e1f33ceae636f202bb2163c9b109a58e5224017ee2",
        "c6cd95ab88d04b746f3a00134e95d062b6de782af435b423c1f4931aac95116f",
        "ce5392ca171f26bacceb81a8cf48ab8a635f3abcb71c90e1e90ca559734a39c7",
        "cfc52be8cddc8e74c79b9690271e37fa1003f82b431290e37f3f62b46ac40ecb",
        "d81c71ae1345a0c03cba6f58ccc1c39394744d15182b4306c754bef783b2cdfa",
        "f2702e1484f2cd12df5007659f3e7c4c3e4b65898424d43c739d621194b18c81",
    };

    /// <summary>The hash under which a key is listed: lowercase hex SHA-256 of its text.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static bool IsPublished(string? key) => !string.IsNullOrEmpty(key) && Hashes.Contains(Hash(key));

    /// <summary>
    /// Whether every address the server is configured to listen on is a loopback one: urls (ASPNETCORE_URLS, --urls)
    /// and Kestrel:Endpoints; HTTP_PORTS and HTTPS_PORTS listen on every interface. Nothing configured: Kestrel's
    /// default, localhost.
    /// </summary>
    public static bool ListensOnLoopbackOnly(IConfiguration configuration)
    {
        if (!string.IsNullOrEmpty(configuration["http_ports"]) || !string.IsNullOrEmpty(configuration["https_ports"]))
            return false;
        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        return urls.All(IsLoopback);
    }

    static bool IsLoopback(string url)
    {
        // Kestrel's wildcards (*, +) are not valid URI hosts: replace them by a name that is not loopback.
        if (!Uri.TryCreate(url.Replace("://*", "://any", StringComparison.Ordinal).Replace("://+", "://any", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            return false;
        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>
    /// Success, or a failure naming each setting whose key is published, when the host listens beyond loopback.
    /// </summary>
    public static ValidateOptionsResult Check(IConfiguration configuration, string host, params (string Setting, string? Key)[] keys)
    {
        var published = keys.Where(k => IsPublished(k.Key)).Select(k => k.Setting).ToList();
        if (published.Count == 0 || ListensOnLoopbackOnly(configuration))
            return ValidateOptionsResult.Success;
        return ValidateOptionsResult.Fail(published.Select(setting =>
            $"{setting} is a key published with ScalableWebhook's own sources (for development and tests): anyone can use it. " +
            $"It is accepted only while the {host} listens on loopback; set a key of your own."));
    }
}
