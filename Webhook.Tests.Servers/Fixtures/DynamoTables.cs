using Webhook.Testing;

namespace Webhook.Tests.Servers.Fixtures;

/// <summary>Statistics tables of their own on the test DynamoDB Local, created for a test class and deleted after it.</summary>
public sealed class DynamoTables : IAsyncLifetime
{
    IsolatedTables? _tables;

    public IsolatedTables Tables => _tables ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        _tables = new IsolatedTables(await LocalServers.EnsureTestServersAsync());
        await _tables.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        if (_tables is not null)
            await _tables.DisposeAsync();
    }
}
