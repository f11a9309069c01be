using Webhook.Bench;

// The benchmark of the whole system: see BenchOptions for the command line and docs/benchmarks.md for what it wrote.
var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    var report = await new BenchmarkRun(options).RunAsync(cancel.Token);
    Console.WriteLine($"Report: {report}");
    return 0;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}
