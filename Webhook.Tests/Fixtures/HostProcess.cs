using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Webhook.Tests.Fixtures;

/// <summary>
/// One of the product's hosts (Webhook.Api or Webhook.Processor) run as its own process, as in production, from its
/// build output, configured only through environment variables. Can be stopped gracefully (SIGTERM) or killed.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    readonly string _project;
    readonly Dictionary<string, string> _environment;
    readonly ConcurrentQueue<string> _output = new();
    Process? _process;

    public HostProcess(string project, IDictionary<string, string> environment)
    {
        _project = project;
        Port = FreePort();
        _environment = new Dictionary<string, string>(environment)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Port}",
            ["Logging__Console__FormatterName"] = "simple",
        };
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the host wrote, for a failing test's message.</summary>
    public string RecentOutput => string.Join('\n', _output.TakeLast(80));

    public async Task StartAsync(string readinessPath = "/health/ready", TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Repository.HostDll(_project));
        // The content root is the working directory: the host's own appsettings.json sits beside its dll.
        info.WorkingDirectory = Path.GetDirectoryName(Repository.HostDll(_project))!;
        foreach (var (key, value) in _environment)
            info.Environment[key] = value;

        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{_project} exited with {_process.ExitCode} while starting:\n{RecentOutput}");
            try
            {
                if ((await http.GetAsync(readinessPath)).StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{_project} was not ready at {readinessPath} in time:\n{RecentOutput}");
    }

    /// <summary>SIGTERM, as an orchestrator stops a container, then waits for the host to finish its in-flight work.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process is not { HasExited: false } process)
            return;
        await Shell.RunAsync("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
    }

    /// <summary>SIGKILL: the host gets no chance to finish anything.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process)
            return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    void Keep(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        while (_output.Count > 400)
            _output.TryDequeue(out _);
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
