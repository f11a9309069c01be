using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

// What the benchmark measures the product against; none of it is part of the product.
//   POST /bare          202 and nothing else: the HTTP ceiling of this machine.
//   POST /naive/email   the naive design: verify the signature, then do every event's database work inside the
//                       request (SELECT bench_work(...) per event, the same function the benchmark's trigger runs
//                       for the product), and answer 202 only when it is done. ?capacity=N overrides the
//                       database's capacity for that request (0: unbounded).
// Configuration (environment): Baselines__Secret (whsec_…), ConnectionStrings__Postgres (Npgsql's default pool of
// 100, as a typical application has it), Baselines__WorkMilliseconds, Baselines__DatabaseCapacity.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var secret = builder.Configuration["Baselines:Secret"];
var key = secret is null ? null : Convert.FromBase64String(secret["whsec_".Length..]);
var workMilliseconds = builder.Configuration.GetValue("Baselines:WorkMilliseconds", 20);
var capacity = builder.Configuration.GetValue("Baselines:DatabaseCapacity", 3);
var postgres = builder.Configuration.GetConnectionString("Postgres");
await using var dataSource = postgres is null ? null : NpgsqlDataSource.Create(postgres);

var app = builder.Build();

app.MapGet("/health/ready", () => TypedResults.Ok());

app.MapPost("/bare", () => TypedResults.StatusCode(StatusCodes.Status202Accepted));

app.MapPost("/naive/email", async (HttpRequest request, CancellationToken cancellationToken) =>
{
    if (key is null || dataSource is null)
        return Results.NotFound();
    // ?capacity=0: the same design against a database that never runs out of capacity.
    var databaseCapacity = int.TryParse(request.Query["capacity"], out var c) ? c : capacity;
    var design = databaseCapacity > 0 ? "naive" : "naive-unbounded";

    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer, cancellationToken);
    var body = buffer.ToArray();
    if (!SignatureMatches(key, request.Headers, body))
        return Results.Unauthorized();

    int events;
    try
    {
        using var document = JsonDocument.Parse(body);
        events = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.GetArrayLength() : 1;
    }
    catch (JsonException)
    {
        return Results.BadRequest();
    }

    for (var i = 0; i < events; i++)
    {
        await using var command = dataSource.CreateCommand("SELECT bench_work($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = databaseCapacity });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = workMilliseconds });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = design });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
    return Results.StatusCode(StatusCodes.Status202Accepted);
});

app.Run();

// Standard Webhooks: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">, compared in constant time.
static bool SignatureMatches(byte[] key, IHeaderDictionary headers, byte[] body)
{
    string? id = headers["webhook-id"], timestamp = headers["webhook-timestamp"], signature = headers["webhook-signature"];
    if (id is null || timestamp is null || signature is null || !signature.StartsWith("v1,", StringComparison.Ordinal))
        return false;
    byte[] signed = [.. Encoding.UTF8.GetBytes($"{id}.{timestamp}."), .. body];
    var expected = HMACSHA256.HashData(key, signed);
    var given = new byte[32];
    return Convert.TryFromBase64String(signature[3..], given, out var written) && written == 32
        && CryptographicOperations.FixedTimeEquals(expected, given);
}
