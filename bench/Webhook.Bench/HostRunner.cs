using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Webhook.Bench;

/// <summary>
/// A host run as its own process from its Release build output (<c>dotnet &lt;dll&gt;</c>), in Production, configured
/// only through environment variables, its output kept in a log file beside the report's state.
/// </summary>
public sealed class HostRunner : IAsyncDisposable
{
    readonly string _project;
    readonly Dictionary<string, string> _environment;
    readonly string _log;
    Process? _process;
    StreamWriter? _logWriter;

    public HostRunner(string project, IDictionary<string, string> environment, string logDirectory)
    {
        _project = project;
        Port = FreePort();
        _log = Path.Combine(logDirectory, Path.GetFileName(project) + ".log");
        _environment = new Dictionary<string, string>(environment)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Port}",
        };
    }

    public string Name => Path.GetFileName(_project);

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public int Pid => _process?.Id ?? throw new InvalidOperationException($"{Name} is not started.");

    public async Task StartAsync(CancellationToken ct)
    {
        var dll = Repository.Dll(_project);
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{dll} is missing: build the solution in {Repository.Configuration} first.");
        // Run from the output directory, as a deployment does: the content root, where appsettings.json is read from,
        // is the working directory.
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var (key, value) in _environment)
            info.Environment[key] = value;

        _logWriter = new StreamWriter(_log, append: false) { AutoFlush = true };
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Write(e.Data);
        _process.ErrorDataReceived += (_, e) => Write(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} while starting; see {_log}");
            try
            {
                using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), ct);
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(200, ct);
        }
        throw new TimeoutException($"{Name} was not ready in time; see {_log}");
    }

    /// <summary>SIGTERM, then up to 60 s for the host to finish its in-flight work; SIGKILL after that.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
            return;
        await Command.RunAsync("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], null, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        if (_logWriter is not null)
            await _logWriter.DisposeAsync();
    }

    void Write(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _logWriter?.WriteLine(line);
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
