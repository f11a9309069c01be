using Npgsql;

namespace Webhook.Testing;

/// <summary>
/// A database of its own on the run's PostgreSQL, dropped at the end. Empty when created: the Processor's migrations
/// (run by a Processor at start, or by a test through the Processor's DbContext) make its schema.
/// </summary>
public sealed class IsolatedDatabase(LocalServers servers, string? name = null) : IAsyncDisposable
{
    public string Name { get; } = name ?? "test_" + Guid.NewGuid().ToString("N")[..12];

    public string ConnectionString => servers.PostgresFor(Name);

    bool _created;

    public async Task CreateAsync(CancellationToken cancellationToken = default)
    {
        await OnServerAsync($"CREATE DATABASE \"{Name}\"", cancellationToken);
        _created = true;
    }

    public async Task DropAsync(CancellationToken cancellationToken = default)
    {
        await OnServerAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", cancellationToken);
        _created = false;
    }

    public async ValueTask DisposeAsync()
    {
        if (_created)
            await DropAsync();
    }

    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken = default, params object[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken = default, params object[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            throw new InvalidOperationException($"No row: {sql}");
        // Npgsql's own conversion: timestamptz as DateTimeOffset, bigint as long, and so on.
        return await reader.GetFieldValueAsync<T>(0, cancellationToken);
    }

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    static NpgsqlCommand Command(NpgsqlConnection connection, string sql, object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return command;
    }

    async Task OnServerAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(servers.PostgresFor("postgres"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
