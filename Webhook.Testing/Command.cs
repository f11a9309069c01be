using System.Diagnostics;
using System.Text;

namespace Webhook.Testing;

/// <summary>Runs a command to completion and returns its standard output; throws with both outputs when it fails.</summary>
public static class Command
{
    /// <param name="environment">Variables to set; a null value removes the variable.</param>
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var result = await TryRunAsync(file, args, environment, timeout, cancellationToken);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{result.CommandLine} exited with {result.ExitCode}:\n{result.Output}\n{result.Errors}");
        return result.Output;
    }

    /// <summary>Runs a command to completion, whatever its exit code.</summary>
    public static async Task<CommandResult> TryRunAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
                info.Environment.Remove(key);
            else
                info.Environment[key] = value;
        }
        var commandLine = $"{file} {string.Join(' ', info.ArgumentList)}";

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
                throw;
            throw new TimeoutException($"{commandLine} did not finish in time.");
        }
        return new CommandResult(commandLine, process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>What a finished command printed, and how it exited.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string Output, string Errors)
{
    public string AllOutput => new StringBuilder(Output).Append(Errors).ToString();
}
