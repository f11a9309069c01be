using Webhook.Testing;

namespace Webhook.Tests.System.Fixtures;

/// <summary>One running system shared by a test collection; its tests use emails of their own.</summary>
public sealed class PipelineFixture : IAsyncLifetime
{
    public RunningSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await RunningSystem.StartAsync();

    public async Task DisposeAsync()
    {
        if (System is not null)
            await System.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PipelineTestGroup : ICollectionFixture<PipelineFixture>
{
    public const string Name = "Pipeline on real servers";
}
