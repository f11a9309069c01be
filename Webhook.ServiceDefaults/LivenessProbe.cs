using System.Globalization;

namespace Webhook.ServiceDefaults;

/// <summary>
/// The container health check of a host's image: <c>dotnet Webhook.Api.dll --probe-liveness</c> asks the running
/// host's <see cref="ServiceDefaultsExtensions.LivenessPath"/> on loopback and exits 0 when it answers 2xx, 1
/// otherwise. The chiseled runtime images have no shell and no curl, so the host's own binary is the probe. It runs
/// before the host builds anything: no configuration is read and no dependency is touched.
/// </summary>
public static class LivenessProbe
{
    public const string Argument = "--probe-liveness";

    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>Probes and ends the process when <paramref name="args"/> asks for it; returns otherwise.</summary>
    public static void ExitIfRequested(string[] args)
    {
        if (args is [Argument, ..])
            Environment.Exit(ProbeAsync(LivenessUri(Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS"))).GetAwaiter().GetResult());
    }

    /// <summary>
    /// Where the host listens in its container: the first of ASPNETCORE_HTTP_PORTS (the .NET images set 8080).
    /// </summary>
    public static Uri LivenessUri(string? httpPorts)
    {
        var first = (httpPorts ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        var port = int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 8080;
        return new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{ServiceDefaultsExtensions.LivenessPath}");
    }

    static async Task<int> ProbeAsync(Uri uri)
    {
        try
        {
            using var client = new HttpClient { Timeout = Timeout };
            using var response = await client.GetAsync(uri).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"{uri} does not answer: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
