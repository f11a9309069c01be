using System.Text.Json;
using System.Xml.Linq;
using Webhook.Testing;

namespace Webhook.Aws.Tests.Images;

/// <summary>A Dockerfile read as its instructions: comments dropped, continued lines joined, stages kept apart.</summary>
public sealed record Dockerfile(IReadOnlyList<Dockerfile.Instruction> Instructions)
{
    public sealed record Instruction(string Keyword, string Arguments, int Stage);

    public static Dockerfile Of(string project) => Parse(File.ReadAllLines(Path.Combine(Repository.Root, project, "Dockerfile")));

    public static Dockerfile Parse(IEnumerable<string> lines)
    {
        var instructions = new List<Instruction>();
        var stage = -1;
        var pending = "";
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
                continue;
            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }
            var text = pending + line;
            pending = "";
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
            if (keyword == "FROM")
                stage++;
            instructions.Add(new Instruction(keyword, space < 0 ? "" : text[(space + 1)..].Trim(), stage));
        }
        return new Dockerfile(instructions);
    }

    public IEnumerable<Instruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public int FinalStage => Instructions.Max(i => i.Stage);

    /// <summary>The last instruction of the image that runs (the final stage).</summary>
    public Instruction? Final(string keyword) => Instructions.LastOrDefault(i => i.Keyword == keyword && i.Stage == FinalStage);

    /// <summary>The command of the final stage's HEALTHCHECK, without its options.</summary>
    public IReadOnlyList<string> HealthCheckCommand =>
        ExecForm(System.Text.RegularExpressions.Regex.Replace(Final("HEALTHCHECK")!.Arguments, @"^(--\S+\s+)*CMD\s+", ""));

    /// <summary>An instruction's exec form (JSON array) as its words.</summary>
    public static IReadOnlyList<string> ExecForm(string arguments) =>
        JsonSerializer.Deserialize<string[]>(arguments) ?? throw new FormatException($"not an exec form: {arguments}");

    /// <summary>The projects a project is built from: itself and every project it references, directly or not.</summary>
    public static IReadOnlySet<string> ProjectClosure(string project)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var next))
        {
            if (!found.Add(next))
                continue;
            var csproj = XDocument.Load(Path.Combine(Repository.Root, next, next + ".csproj"));
            foreach (var reference in csproj.Descendants("ProjectReference"))
            {
                var path = reference.Attribute("Include")!.Value.Replace('\\', '/');
                var full = Path.GetFullPath(Path.Combine(Repository.Root, next, path));
                pending.Push(Path.GetRelativePath(Repository.Root, Path.GetDirectoryName(full)!).Replace('\\', '/'));
            }
        }
        return found;
    }
}
