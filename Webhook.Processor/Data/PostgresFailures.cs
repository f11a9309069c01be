using System.Net.Sockets;
using Npgsql;

namespace Webhook.Processor.Data;

/// <summary>Which PostgreSQL failures are worth retrying: the server down, restarting, slow, or two transactions racing.</summary>
public static class PostgresFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        // 40001 serialization failure, 40P01 deadlock, 57P01 admin shutdown, 57P03 cannot connect now (starting up).
        NpgsqlException npgsql => npgsql.IsTransient || npgsql is PostgresException { SqlState: "40001" or "40P01" or "57P01" or "57P03" },
        InvalidOperationException { InnerException: { } inner } => IsTransient(inner),
        TimeoutException or IOException or SocketException => true,
        _ => false,
    };
}
