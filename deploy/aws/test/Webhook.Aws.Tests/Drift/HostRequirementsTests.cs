using Webhook.Aws.Tests.Fixtures;
using Xunit.Abstractions;

namespace Webhook.Aws.Tests.Drift;

/// <summary>
/// Each host's task definition against the host itself: the host, built from its own registration with exactly the
/// variables and secrets the task gives it, passes its start-up validation; the keys it requires are found by taking
/// each away in turn (each absence stops it, naming the key); every hierarchical key the task sets is one the host
/// reads; and the task gives the host longer to stop than the host takes to drain.
/// </summary>
[Collection(SharedSynthesis.Name)]
public class HostRequirementsTests(SynthesizedApp app, ITestOutputHelper output)
{
    public static TheoryData<string, string> Hosts => new()
    {
        { "api", HostProject.Api.Project },
        { "processor", HostProject.Processor.Project },
        { "console", HostProject.Console.Project },
    };

    TaskContainer Container(string name) => app.ServicesJson.Container(name);

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Should_start_the_host_when_given_only_what_its_task_definition_supplies(string container, string project)
    {
        var startup = HostStartup.Of(HostProject.Named(project), DeployedEnvironment.Of(Container(container)));

        Assert.True(startup.Starts, $"{project} refuses its task definition's configuration: {string.Join(" | ", startup.Failures)}");
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Should_stop_the_host_naming_the_key_when_any_key_it_requires_is_taken_away(string container, string project)
    {
        var environment = DeployedEnvironment.Of(Container(container));

        var required = new List<string>();
        foreach (var variable in environment.Keys)
        {
            var startup = HostStartup.Of(HostProject.Named(project), environment.Without(variable));
            if (startup.Starts)
                continue;
            required.Add(variable);
            var key = variable.Replace("__", ":", StringComparison.Ordinal);
            Assert.Contains(startup.Failures, f => f.Contains(key, StringComparison.Ordinal));
        }

        output.WriteLine($"{project} requires, of what its task gives it: {string.Join(", ", required)}");
        // The connection to the broker is what every host needs: a check that finds nothing required checks nothing.
        Assert.Contains(HostKeys.EnvironmentVariable(HostKeys.RabbitMq), required);
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Should_read_every_configuration_key_the_task_definition_sets(string container, string project)
    {
        var environment = DeployedEnvironment.Of(Container(container));

        var startup = HostStartup.Of(HostProject.Named(project), environment);

        var unread = DeployedEnvironment.UnreadConfigurationKeys(environment, startup);
        Assert.True(unread.Count == 0, $"{project} never reads {string.Join(", ", unread)}: a misspelt key, or one it no longer has.");
    }

    [Fact]
    public void Should_tell_a_key_no_host_reads_from_the_keys_it_reads()
    {
        var environment = DeployedEnvironment.Of(Container("api"));
        environment["Webhooks__Emial__Secret"] = SampleValues.For(HostKeys.EmailSecret);

        var startup = HostStartup.Of(HostProject.Api, environment);

        Assert.DoesNotContain("Webhooks:Emial:Secret", startup.ReadKeys);
        Assert.Contains(HostKeys.EmailSecret, startup.ReadKeys);
        output.WriteLine($"The app was synthesized in {app.SynthesisTime.TotalSeconds:F1} s.");
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Should_give_the_host_longer_to_stop_than_it_takes_to_drain(string container, string project)
    {
        var task = Container(container);

        var drain = HostStartup.Of(HostProject.Named(project), DeployedEnvironment.Of(task)).DrainTime;

        Assert.NotNull(task.StopTimeoutSeconds);
        Assert.InRange(task.StopTimeoutSeconds.Value, drain.TotalSeconds + 1, 120);
    }
}
