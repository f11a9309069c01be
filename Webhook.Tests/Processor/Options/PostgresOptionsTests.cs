using Npgsql;
using Webhook.Processor.Options;

namespace Webhook.Tests.Processor.Options;

/// <summary>The Processor's two pools: the events' statements', and the main one's for everything else.</summary>
public class PostgresOptionsTests
{
    const string Given = "Host=127.0.0.1;Port=25432;Database=webhook;Username=postgres";

    [Fact]
    public void Should_give_the_statements_one_session_per_place_at_the_limit_without_a_reset_when_they_go_back()
    {
        var statements = new NpgsqlConnectionStringBuilder(PostgresOptions.ForStatements(Given, 5));

        Assert.Equal(5, statements.MaxPoolSize);
        Assert.True(statements.NoResetOnClose);
        Assert.Equal(PostgresOptions.ApplicationName, statements.ApplicationName);
        Assert.Equal(PostgresOptions.PreparedStatements, statements.MaxAutoPrepare);
    }

    [Fact]
    public void Should_reset_the_main_pools_sessions_which_hold_the_statistics_session_locks()
    {
        var main = new NpgsqlConnectionStringBuilder(PostgresOptions.Bounded(Given, 5));

        Assert.False(main.NoResetOnClose);
        Assert.Equal(5 + PostgresOptions.ConnectionsBesideSlots, main.MaxPoolSize);
    }

    [Fact]
    public void Should_keep_a_pool_size_and_a_name_the_connection_string_gives_for_the_main_pool_only()
    {
        var given = Given + ";Maximum Pool Size=40;Application Name=marketing-writer;Minimum Pool Size=10";

        var main = new NpgsqlConnectionStringBuilder(PostgresOptions.Bounded(given, 3));
        var statements = new NpgsqlConnectionStringBuilder(PostgresOptions.ForStatements(given, 3));

        Assert.Equal(40, main.MaxPoolSize);
        Assert.Equal(3, statements.MaxPoolSize);
        Assert.Equal(3, statements.MinPoolSize);
        Assert.Equal("marketing-writer", statements.ApplicationName);
    }
}
