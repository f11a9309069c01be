using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Webhook.Bench.Tests;

/// <summary>
/// The load generator's HTTP/1.1 client against a loopback server that reads each request whole and writes the answer
/// the test gives it: the status it reports, where it finds a response's end, and when it needs a new connection.
/// </summary>
public sealed class Http11ClientTests : IDisposable
{
    static readonly LoadRequest Request = new("/webhooks/email", """{"emailId":"e-1"}"""u8.ToArray(), [new("webhook-id", "msg_1")]);

    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly List<string> _requests = [];
    int _connections;

    public Http11ClientTests() => _listener.Start();

    Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Accepts connections and answers each request with the next of <paramref name="answers"/> (null: close without one).</summary>
    Task Serve(params string?[] answers) => Task.Run(async () =>
    {
        var next = 0;
        while (next < answers.Length)
        {
            using var socket = await _listener.AcceptSocketAsync();
            Interlocked.Increment(ref _connections);
            await using var stream = new NetworkStream(socket);
            while (next < answers.Length && await ReadRequestAsync(stream) is { } request)
            {
                lock (_requests)
                    _requests.Add(request);
                if (answers[next++] is not { } answer)
                    break;
                await stream.WriteAsync(Encoding.ASCII.GetBytes(answer));
                if (answer.Contains("Connection: close", StringComparison.Ordinal))
                    break;
            }
        }
    });

    /// <summary>The request's head and body, read up to its Content-Length; null when the client closed the connection.</summary>
    static async Task<string?> ReadRequestAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var buffer = new byte[1];
        while (!Encoding.ASCII.GetString([.. bytes]).EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(buffer) == 0)
                return null;
            bytes.Add(buffer[0]);
        }
        var head = Encoding.ASCII.GetString([.. bytes]);
        var length = int.Parse(head.Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.Ordinal))[15..]);
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return head + Encoding.ASCII.GetString(body);
    }

    [Fact]
    public async Task Should_send_the_request_whole_and_return_the_status()
    {
        var server = Serve("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
        using var client = new Http11Client(Address);

        Assert.Equal(202, client.Send(Request));

        await server;
        var request = Assert.Single(_requests);
        Assert.StartsWith("POST /webhooks/email HTTP/1.1\r\n", request, StringComparison.Ordinal);
        Assert.Contains($"\r\nHost: {Address.Authority}\r\n", request, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: application/json\r\n", request, StringComparison.Ordinal);
        Assert.Contains("\r\nwebhook-id: msg_1\r\n", request, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n{\"emailId\":\"e-1\"}", request, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_read_a_sized_and_a_chunked_body_whole_and_reuse_the_connection()
    {
        var server = Serve(
            "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}",
            "HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n",
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\n{}");
        using var client = new Http11Client(Address);

        int[] statuses = [client.Send(Request), client.Send(Request), client.Send(Request)];

        await server;
        Assert.Equal([202, 503, 400], statuses);
        Assert.Equal(1, _connections);
    }

    [Fact]
    public async Task Should_open_a_new_connection_after_the_server_said_it_closes_this_one()
    {
        var server = Serve("HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
        using var client = new Http11Client(Address);

        int[] statuses = [client.Send(Request), client.Send(Request)];

        await server;
        Assert.Equal([429, 202], statuses);
        Assert.Equal(2, _connections);
    }

    [Fact]
    public async Task Should_report_no_answer_when_the_connection_closes_before_the_response_and_recover_on_the_next()
    {
        var server = Serve(null, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
        using var client = new Http11Client(Address);

        int[] statuses = [client.Send(Request), client.Send(Request)];

        await server;
        Assert.Equal([0, 202], statuses);
        Assert.Equal(2, _connections);
    }

    [Fact]
    public void Should_report_no_answer_when_nothing_listens()
    {
        var address = Address;
        _listener.Stop();
        using var client = new Http11Client(address);

        Assert.Equal(0, client.Send(Request));
    }

    [Fact]
    public async Task Should_send_a_body_larger_than_one_write_whole()
    {
        var body = Encoding.ASCII.GetBytes(new string('x', 20_000));
        var server = Serve("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
        using var client = new Http11Client(Address);

        Assert.Equal(202, client.Send(Request with { Body = body }));

        await server;
        Assert.EndsWith("\r\n\r\n" + new string('x', 20_000), Assert.Single(_requests), StringComparison.Ordinal);
    }

    public void Dispose() => _listener.Stop();
}
