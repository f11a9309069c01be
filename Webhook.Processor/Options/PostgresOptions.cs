using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Webhook.Processor.Options;

/// <summary>The marketing database's address, from ConnectionStrings:Postgres.</summary>
public sealed class PostgresOptions
{
    public const string Section = "ConnectionStrings";

    /// <summary>An Npgsql connection string, e.g. <c>Host=127.0.0.1;Port=25432;Database=webhook;Username=postgres</c>.</summary>
    [Required(ErrorMessage = "ConnectionStrings:Postgres is not set (an Npgsql connection string, for example Host=127.0.0.1;Port=25432;Database=webhook;Username=postgres).")]
    public string? Postgres { get; set; }

    /// <summary>
    /// Connections of the main pool beyond the limit's sessions holding statistics slots: the readiness check, the
    /// inbox cleanup, the migrations at start. The events' statements have a pool of their own (<see cref="ForStatements"/>).
    /// </summary>
    public const int ConnectionsBesideSlots = 3;

    /// <summary>The key of the events' statements' own data source among the host's services.</summary>
    public const string StatementsDataSource = "statements";

    /// <summary>Statements each connection keeps prepared: the event's statement is planned once per connection.</summary>
    public const int PreparedStatements = 20;

    /// <summary>How the Processor's sessions are named in pg_stat_activity, unless the connection string names them.</summary>
    public const string ApplicationName = "Webhook.Processor";

    /// <summary>
    /// The connection string with its pool bounded to the slots and a few more, unless it sets a pool size itself (the
    /// Processor never opens more connections to PostgreSQL than it can use), its statements prepared, and its sessions
    /// named.
    /// </summary>
    public static string Bounded(string connectionString, int concurrencyLimit)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (!Given(given, "Maximum Pool Size", "Max Pool Size", "MaxPoolSize"))
            builder.MaxPoolSize = concurrencyLimit + ConnectionsBesideSlots;
        if (!Given(given, "Max Auto Prepare", "MaxAutoPrepare"))
            builder.MaxAutoPrepare = PreparedStatements;
        if (!Given(given, "Application Name", "ApplicationName"))
            builder.ApplicationName = ApplicationName;
        return builder.ConnectionString;
    }

    /// <summary>
    /// The connection string of the events' statements' pool: one session per place at the limit, and no reset when a
    /// session goes back to the pool. Npgsql otherwise sends its reset (seven statements, from <c>RESET ALL</c> to
    /// <c>DISCARD TEMP</c>) ahead of the next event's statement on the same session, while the slot the last event
    /// gave up stands free. An event's statement leaves nothing in its session to reset: its slot is a transaction
    /// lock, gone with its commit, and it sets no parameter. Sessions that take session locks (the statistics' slots)
    /// stay in the main pool, reset as they go back to it.
    /// </summary>
    public static string ForStatements(string connectionString, int concurrencyLimit)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(Bounded(connectionString, concurrencyLimit))
        {
            MaxPoolSize = concurrencyLimit,
            NoResetOnClose = true,
        };
        builder.MinPoolSize = Math.Min(builder.MinPoolSize, concurrencyLimit);
        return builder.ConnectionString;
    }

    static bool Given(System.Data.Common.DbConnectionStringBuilder given, params string[] keys) => keys.Any(given.ContainsKey);
}

