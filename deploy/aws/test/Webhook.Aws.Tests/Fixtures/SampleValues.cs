using System.Security.Cryptography;

namespace Webhook.Aws.Tests.Fixtures;

/// <summary>
/// Valid values, made afresh for each run, for the settings a deployment cannot show the tests: its secrets and the
/// values CloudFormation only knows at deployment (the region, the VPC's range). Keys the published-key guard would
/// refuse (those that stand in the sources) are never used here.
/// </summary>
public static class SampleValues
{
    static readonly Dictionary<string, string> Values = new(StringComparer.OrdinalIgnoreCase)
    {
        [HostKeys.RabbitMq] = "amqps://webhook:sample-password@b-00000000-0000-0000-0000-000000000000.mq.eu-west-1.amazonaws.com:5671/",
        [HostKeys.Postgres] = "Host=webhook.cluster.eu-west-1.rds.amazonaws.com;Port=5432;Database=webhook;Username=webhook;Password=sample;SSL Mode=Require",
        [HostKeys.EmailSecret] = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        [HostKeys.EmailPreviousSecret] = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        [HostKeys.SendGridVerificationKey] = Convert.ToBase64String(ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportSubjectPublicKeyInfo()),
        [HostKeys.MailgunSigningKey] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
        [HostKeys.AwsRegion] = "eu-west-1",
        [HostKeys.KnownNetwork] = "10.0.0.0/16",
        [HostKeys.AnalystKey] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        [HostKeys.OperatorKey] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };

    /// <summary>A valid value for <paramref name="key"/> (":" or "__" form).</summary>
    public static string For(string key) =>
        Values.TryGetValue(key.Replace("__", ":", StringComparison.Ordinal), out var value)
            ? value
            : throw new KeyNotFoundException($"No sample value for {key}: add a valid one to SampleValues.");
}
