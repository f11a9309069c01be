using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Webhook.Testing;

/// <summary>
/// One of the product's hosts (or any web project of the repository) run as its own process from its build output,
/// as a deployment runs it: from its output directory (the content root, where its appsettings.json is), in
/// Production, configured only through environment variables, on a free loopback port that stays the same across
/// restarts. Stopped gracefully (SIGTERM) or killed; what it wrote is kept (the last lines in memory, everything in
/// the log file when one is given).
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    readonly string _project;
    readonly Dictionary<string, string> _environment;
    readonly string? _logFile;
    readonly ConcurrentQueue<string> _output = new();
    string? _started;
    readonly Lock _logLock = new();
    Process? _process;
    StreamWriter? _log;

    /// <param name="project">The project's directory in the repository, e.g. <c>Webhook.Api</c>.</param>
    /// <param name="environment">The host's settings, as environment variables.</param>
    /// <param name="logFile">Where to append everything the host writes; none: only the last lines are kept.</param>
    /// <param name="readinessPath">What must answer 200 before the host counts as started.</param>
    /// <param name="port">The loopback port to listen on (a load balancer's backend); none: a free one.</param>
    public HostProcess(string project, IReadOnlyDictionary<string, string> environment, string? logFile = null, string readinessPath = "/health/ready",
        int? port = null)
    {
        _project = project;
        _logFile = logFile;
        ReadinessPath = readinessPath;
        Port = port ?? FreePort();
        _environment = new Dictionary<string, string>(environment)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Port}",
            ["Logging__Console__FormatterName"] = "simple",
        };
    }

    public string Name => Path.GetFileName(_project);

    public string ReadinessPath { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public bool IsRunning => _process is { HasExited: false };

    public int Pid => _process?.Id ?? throw new InvalidOperationException($"{Name} is not started.");

    /// <summary>The last lines the host wrote, for a failing test's message.</summary>
    public string RecentOutput => string.Join('\n', _output.TakeLast(80));

    /// <summary>The lines the host wrote since its latest start, as far as the last 400 lines kept reach.</summary>
    public IReadOnlyList<string> OutputSinceStart
    {
        get
        {
            var lines = _output.ToArray();
            return lines[Math.Max(Array.LastIndexOf(lines, _started), 0)..];
        }
    }

    /// <summary>Starts the host and waits until its <see cref="ReadinessPath"/> answers 200.</summary>
    public async Task StartAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var dll = Repository.Dll(_project);
        if (!File.Exists(dll))
            throw new FileNotFoundException($"{dll} is missing: build the solution in {Repository.Configuration} first.");
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

        if (_logFile is not null && _log is null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_logFile))!);
            _log = new StreamWriter(_logFile, append: true) { AutoFlush = true };
        }
        _started = string.Create(CultureInfo.InvariantCulture, $"==== {DateTime.UtcNow:O} starting {Name} on port {Port}");
        Keep(_started);

        var process = Process.Start(info)!;
        _process = process;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{Name} exited with {process.ExitCode} while starting:\n{RecentOutput}");
            try
            {
                using var response = await http.GetAsync(new Uri(ReadinessPath, UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException($"{Name} was not ready at {ReadinessPath} in time:\n{RecentOutput}");
    }

    /// <summary>
    /// SIGTERM, as an orchestrator stops a container, then waits for the host to finish its in-flight work;
    /// SIGKILL if it has not exited after <paramref name="timeout"/> (60 s).
    /// </summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process is not { HasExited: false } process)
            return;
        await Command.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Keep($"==== {Name} did not exit in time after SIGTERM: killed");
            await KillAsync();
        }
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
        if (_log is not null)
            await _log.DisposeAsync();
    }

    void Keep(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        while (_output.Count > 400)
            _output.TryDequeue(out _);
        lock (_logLock)
            _log?.WriteLine(line);
    }

    // Hosts' ports: above the servers' profiles (24000-29999) and below Linux's ephemeral range (32768 and up), so that
    // no outgoing connection is ever given one while its host is down for a restart; each handed out once per process,
    // so that two hosts of one test never share one (the second would fail to bind, while its readiness check could be
    // answered by the first).
    const int FirstHostPort = 30000;
    const int HostPorts = 32768 - FirstHostPort;
    static readonly ConcurrentDictionary<int, byte> HandedOut = new();
    static int _nextHostPort = Random.Shared.Next(HostPorts);

    static int FreePort()
    {
        for (var tried = 0; tried < HostPorts; tried++)
        {
            var port = FirstHostPort + (int)((uint)Interlocked.Increment(ref _nextHostPort) % HostPorts);
            if (!HandedOut.TryAdd(port, 0))
                continue;
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken by another process: try the next one.
            }
        }
        throw new InvalidOperationException($"No free port between {FirstHostPort} and {FirstHostPort + HostPorts - 1}.");
    }
}
