using System.Globalization;
using System.Runtime.InteropServices;

namespace Webhook.Bench;

/// <summary>What the figures were measured on.</summary>
public sealed record Machine(int Cores, string Model, double MemoryGiB, string OperatingSystem, string Runtime, string LoadAverage)
{
    public string Summary => $"{Cores} cores ({Model}), {MemoryGiB:0.#} GiB, {OperatingSystem}, {Runtime}";

    public static Machine Describe()
    {
        static string First(string file, string prefix) =>
            File.Exists(file) ? File.ReadLines(file).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..].Trim(' ', '\t', ':', '"') ?? "?" : "?";

        var memoryKb = First("/proc/meminfo", "MemTotal:").Split(' ')[0];
        return new Machine(
            Environment.ProcessorCount,
            First("/proc/cpuinfo", "model name"),
            double.TryParse(memoryKb, CultureInfo.InvariantCulture, out var kb) ? kb / 1024 / 1024 : 0,
            First("/etc/os-release", "PRETTY_NAME="),
            RuntimeInformation.FrameworkDescription,
            File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?");
    }
}
