using Webhook.ServiceDefaults;

namespace Webhook.Tests.ServiceDefaults;

/// <summary>Where the images' health check asks: the host's own /health/live, on loopback, on the port it listens on.</summary>
public class LivenessProbeTests
{
    [Theory]
    [InlineData(null, "http://127.0.0.1:8080/health/live")]
    [InlineData("", "http://127.0.0.1:8080/health/live")]
    [InlineData("5082", "http://127.0.0.1:5082/health/live")]
    [InlineData("8080;8081", "http://127.0.0.1:8080/health/live")]
    [InlineData(" 9000 , 9001", "http://127.0.0.1:9000/health/live")]
    [InlineData("not-a-port", "http://127.0.0.1:8080/health/live")]
    public void Should_probe_the_first_http_port_on_loopback(string? httpPorts, string expected)
    {
        Assert.Equal(new Uri(expected), LivenessProbe.LivenessUri(httpPorts));
    }
}
