using System.Text.RegularExpressions;
using Webhook.Aws.Services;
using Webhook.Aws.Tests.Fixtures;
using Webhook.ServiceDefaults;
using Webhook.Testing;

namespace Webhook.Aws.Tests.Images;

/// <summary>
/// The hosts' Dockerfiles, read and checked without a container engine (none can run on our machines, and no
/// registry is reachable, so the images are not built here): pinned base images, the chiseled runtime, a non-root
/// user, every project the host is built from, the port the deployment maps, and the health check the task runs.
/// </summary>
[Collection(SharedSynthesis.Name)]
public partial class DockerfileTests(SynthesizedApp app)
{
    public static TheoryData<string, string> Hosts => new() { { "Webhook.Api", "api" }, { "Webhook.Processor", "processor" }, { "Webhook.Console", "console" } };

    [GeneratedRegex(@"^[\w./-]+(:\d+\.\d+\.\d+[\w.-]*|@sha256:[0-9a-f]{64})(\s+AS\s+\w+)?$", RegexOptions.IgnoreCase)]
    private static partial Regex PinnedImage();

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Should_pin_every_base_image_to_a_version_and_run_on_the_chiseled_aspnet_runtime(string project, string _)
    {
        var dockerfile = Dockerfile.Of(project);

        Assert.All(dockerfile.All("FROM"), from => Assert.Matches(PinnedImage(), from.Arguments));
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", dockerfile.All("FROM").First().Arguments, StringComparison.Ordinal);
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:[\d.]+-[a-z]+-chiseled\b", dockerfile.Final("FROM")!.Arguments);
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Should_run_as_a_non_root_user(string project, string _)
    {
        var user = Dockerfile.Of(project).Final("USER");

        Assert.NotNull(user);
        Assert.True(int.TryParse(user.Arguments.Split(':')[0], out var uid), "USER should name the uid, which orchestrators can verify");
        Assert.NotEqual(0, uid);
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Should_copy_every_project_the_host_is_built_from(string project, string _)
    {
        var copies = Dockerfile.Of(project).All("COPY").Select(c => c.Arguments).ToList();

        foreach (var needed in Dockerfile.ProjectClosure(project))
        {
            Assert.Contains($"{needed}/{Path.GetFileName(needed)}.csproj {needed}/", copies);
            Assert.Contains($"{needed}/ {needed}/", copies);
        }
        Assert.Contains(copies, c => c.Split(' ').Intersect(["Directory.Build.props", "Directory.Packages.props", "global.json"]).Count() == 3);
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Should_listen_on_the_port_the_task_maps_and_be_probed_as_the_task_probes_it(string project, string container)
    {
        var dockerfile = Dockerfile.Of(project);
        var task = app.ServicesJson.Container(container);

        Assert.Equal(HostService.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), dockerfile.Final("EXPOSE")!.Arguments);
        Assert.Contains(dockerfile.All("ENV"), e => e.Arguments == $"ASPNETCORE_HTTP_PORTS={HostService.ContainerPort}");
        Assert.Equal(HostService.ContainerPort, (int)task.Definition["PortMappings"]![0]!["ContainerPort"]!);

        var probe = dockerfile.HealthCheckCommand;
        Assert.Equal(["dotnet", $"/app/{project}.dll", LivenessProbe.Argument], probe);
        Assert.Equal(new[] { "CMD" }.Concat(probe), task.HealthCheckCommand);
        Assert.Equal(["dotnet", $"/app/{project}.dll"], Dockerfile.ExecForm(dockerfile.Final("ENTRYPOINT")!.Arguments));
    }

    [Fact]
    public void Should_keep_build_output_and_local_state_out_of_the_build_context()
    {
        var ignored = File.ReadAllLines(Path.Combine(Repository.Root, ".dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.Contains(".state/", ignored);
        Assert.Contains("deploy/compose/.env", ignored);
        var needed = Hosts.SelectMany(h => Dockerfile.ProjectClosure((string)h[0])).ToHashSet();
        Assert.DoesNotContain(ignored, pattern => needed.Any(p => p.StartsWith(pattern.TrimEnd('/'), StringComparison.Ordinal)));
    }
}
