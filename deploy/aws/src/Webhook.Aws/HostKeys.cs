namespace Webhook.Aws;

/// <summary>
/// The configuration keys the deployment gives the hosts, as the hosts read them. Keys whose options class lives in
/// a library come from that class; the hosts' own (Processor:, Console:, ConnectionStrings:Postgres) are named here,
/// and the tests of this app check every one against what the hosts bind and require at start.
/// </summary>
public static class HostKeys
{
    public const string RabbitMq = Webhook.Messaging.BrokerConnectionOptions.Key;
    public const string Postgres = "ConnectionStrings:Postgres";
    public const string EmailSecret = Webhook.Providers.Verification.StandardWebhookOptions.SecretKey;
    public const string EmailPreviousSecret = Webhook.Providers.Verification.StandardWebhookOptions.PreviousSecretKey;
    public const string SendGridVerificationKey = Webhook.Providers.Verification.SendGridWebhookOptions.VerificationKeyKey;
    public const string MailgunSigningKey = Webhook.Providers.Verification.MailgunWebhookOptions.SigningKeyKey;
    public const string AwsRegion = Webhook.Storage.DynamoDbOptions.Section + ":" + nameof(Webhook.Storage.DynamoDbOptions.Region);
    public const string TablePrefix = Webhook.Storage.StatsOptions.Section + ":" + nameof(Webhook.Storage.StatsOptions.TablePrefix);
    public const string CreateTables = Webhook.Storage.StatsOptions.Section + ":" + nameof(Webhook.Storage.StatsOptions.CreateTables);
    public const string ConcurrencyLimit = "Processor:ConcurrencyLimit";
    public const string KnownNetwork = "Network:KnownNetworks:0";
    public const string AnalystKey = "Console:AnalystKey";
    public const string OperatorKey = "Console:OperatorKey";

    /// <summary>OpenTelemetry's own variables, read as they are.</summary>
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceName = "OTEL_SERVICE_NAME";

    /// <summary>The environment variable .NET's configuration reads as <paramref name="key"/> ("__" for ":").</summary>
    public static string EnvironmentVariable(string key) => key.Replace(":", "__", StringComparison.Ordinal);
}
