using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Api.Extensions;

/// <summary>A missing or malformed setting stops the API at start with a message naming the key.</summary>
public class StartupValidationTests
{
    [Theory]
    [InlineData("Webhooks:Email:Secret", "not-a-whsec-secret%%", "Webhooks:Email:Secret")]
    [InlineData("ConnectionStrings:RabbitMq", "http://127.0.0.1/", "ConnectionStrings:RabbitMq")]
    [InlineData("Webhooks:MaxBodyBytes", "0", "Webhooks:MaxBodyBytes")]
    [InlineData("Webhooks:RejectionRateLimit:Permits", "0", "Webhooks:RejectionRateLimit:Permits")]
    [InlineData("Webhooks:SendGrid:MaxBodyBytes", "0", "Webhooks:SendGrid:MaxBodyBytes")]
    [InlineData("Broker:MaxQueueLength", "1000", "Broker:MaxQueueLength is no longer read")]
    [InlineData("Broker:DeliveryLimit", "10", "Broker:DeliveryLimit is no longer read")]
    [InlineData("Broker:ClusterNodes:0", "amqp://127.0.0.1:5672", "Broker:ClusterNodes:0")]
    [InlineData("Broker:ClusterNodes:0", "127.0.0.1:99999", "must be a host name or address")]
    [InlineData("Broker:QueueName", "no spaces allowed", "Broker:QueueName")]
    public void Should_refuse_to_start_the_api_naming_the_key_when_a_setting_is_invalid(string key, string value, string named)
    {
        var error = StartupValidation.ApiFailure(new Dictionary<string, string?> { [key] = value });

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
