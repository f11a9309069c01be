using System.Globalization;

namespace Webhook.Bench;

/// <summary>
/// CPU time and peak resident memory of the processes taking part, read from /proc: CPU from
/// <c>/proc/&lt;pid&gt;/stat</c> (utime + stime), the peak from VmHWM in <c>/proc/&lt;pid&gt;/status</c>, which
/// writing 5 to <c>/proc/&lt;pid&gt;/clear_refs</c> resets, so each scenario gets its own peak.
/// </summary>
public sealed class ProcessStats
{
    static readonly double TicksPerSecond = 100; // USER_HZ, 100 on every Linux the project runs on

    readonly List<Watched> _watched = [];

    /// <param name="withChildren">
    /// Also the process's children, alive (their own time) and reaped (the parent's cutime and cstime): PostgreSQL's
    /// work is done in one backend process per connection.
    /// </param>
    public void Watch(string name, int pid, bool withChildren = false, bool peakMemory = true) =>
        _watched.Add(new Watched(name, pid, withChildren, peakMemory));

    public IEnumerable<string> WatchedNames => _watched.Select(w => w.Name);

    public bool HasPeakMemory(string name) => _watched.Single(w => w.Name == name).PeakMemory;

    /// <summary>
    /// CPU seconds each process has used since it started, and under <see cref="Names.Machine"/> the whole machine's
    /// (every process, ours or a neighbour's, from /proc/stat), so a report can tell how much the others took.
    /// </summary>
    public Dictionary<string, double> CpuSeconds()
    {
        var seconds = _watched.ToDictionary(w => w.Name, w => Cpu(w) / TicksPerSecond);
        seconds[Names.Machine] = MachineTicks() / TicksPerSecond;
        return seconds;
    }

    static long MachineTicks()
    {
        // cpu  user nice system idle iowait irq softirq steal guest guest_nice: busy = what ran here, so neither idle
        // and iowait nor steal (the time the hypervisor gave these cores to another machine; see StolenSeconds).
        var fields = MachineFields();
        var busy = 0L;
        foreach (var i in new[] { 1, 2, 3, 6, 7 })
            busy += long.Parse(fields[i], CultureInfo.InvariantCulture);
        return busy;
    }

    /// <summary>
    /// Seconds of core time a virtual machine's cores were ready to run and the hypervisor ran someone else's instead
    /// (steal, from /proc/stat), since the machine started: the share of a run lost that way says how far its absolute
    /// figures are the machine's and not ours.
    /// </summary>
    public static double StolenSeconds()
    {
        var fields = MachineFields();
        return fields.Length > 8 ? long.Parse(fields[8], CultureInfo.InvariantCulture) / TicksPerSecond : 0;
    }

    static string[] MachineFields() =>
        File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static Dictionary<string, double> Difference(Dictionary<string, double> after, Dictionary<string, double> before) =>
        after.ToDictionary(p => p.Key, p => p.Value - before.GetValueOrDefault(p.Key));

    public void ResetPeaks()
    {
        foreach (var w in _watched.Where(w => w.PeakMemory))
        {
            try
            {
                File.WriteAllText($"/proc/{w.Pid}/clear_refs", "5");
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Peak resident set size since the last reset, in MiB.</summary>
    public Dictionary<string, double> PeakMemoryMiB() =>
        _watched.Where(w => w.PeakMemory).ToDictionary(w => w.Name, w => StatusKb(w.Pid, "VmHWM:") / 1024.0);

    /// <summary>
    /// What each process's resident memory is made of now, in MiB: private memory such as the GC heap (RssAnon),
    /// mapped files such as the runtime's and the assemblies' code (RssFile), and shared memory (RssShmem), which
    /// for .NET is mostly its executable memory, mapped twice under W^X.
    /// </summary>
    public Dictionary<string, MemoryComposition> Composition() =>
        _watched.Where(w => w.PeakMemory).ToDictionary(w => w.Name, w => new MemoryComposition(
            StatusKb(w.Pid, "RssAnon:") / 1024.0, StatusKb(w.Pid, "RssFile:") / 1024.0, StatusKb(w.Pid, "RssShmem:") / 1024.0));

    static long Cpu(Watched w)
    {
        var fields = StatFields(w.Pid);
        if (fields is null)
            return 0;
        var ticks = Field(fields, 14) + Field(fields, 15);
        if (!w.WithChildren)
            return ticks;
        ticks += Field(fields, 16) + Field(fields, 17);
        foreach (var child in Children(w.Pid))
        {
            if (StatFields(child) is { } c)
                ticks += Field(c, 14) + Field(c, 15);
        }
        return ticks;
    }

    static IEnumerable<int> Children(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            if (StatFields(pid) is { } f && Field(f, 4) == parent)
                yield return pid;
        }
    }

    /// <summary>The fields of /proc/pid/stat after the command name, so that field N (1-based, as in proc(5)) is [N - 3].</summary>
    static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    static long Field(string[] fields, int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);

    /// <summary>A size from /proc/&lt;pid&gt;/status (VmRSS:, RssAnon:, …), in KiB; 0 when the process is gone.</summary>
    public static long StatusKb(int pid, string key)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    sealed record Watched(string Name, int Pid, bool WithChildren, bool PeakMemory);
}

public sealed record MemoryComposition(double Private, double Files, double Shared);
