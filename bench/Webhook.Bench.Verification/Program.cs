using BenchmarkDotNet.Running;
using Webhook.Bench.Verification;

// dotnet run -c Release --project bench/Webhook.Bench.Verification -- --job short --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(VerificationBenchmarks).Assembly).Run(args);
