namespace Chat.Specs.History;

/// Strikes the cluster with the plan's faults, one at a time at their planned offsets, healing each before the
/// next; every fault is in the history as an operation of the client "nemesis".
public static class Nemesis
{
    public static async Task<List<string>> RunAsync(Plan plan, Cluster cluster, Recorder recorder, string? unwritableSkipped)
    {
        var notes = new List<string>();
        foreach (var fault in plan.Faults())
        {
            var wait = fault.At - TimeSpan.FromMicroseconds(recorder.Now);
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            var op = recorder.Begin("nemesis", fault.Node, OpKind.Fault, "");
            var detail = fault.ToString();
            switch (fault.Kind)
            {
                case Plan.FaultKind.Kill:
                    await cluster.KillAsync(fault.Node);
                    await Task.Delay(fault.For);
                    await cluster.StartAsync(fault.Node);
                    break;
                case Plan.FaultKind.Terminate:
                    await cluster.TerminateAsync(fault.Node);
                    await Task.Delay(fault.For);
                    await cluster.StartAsync(fault.Node);
                    break;
                case Plan.FaultKind.Unwritable when unwritableSkipped is not null:
                    detail += $" (skipped: {unwritableSkipped})";
                    break;
                case Plan.FaultKind.Unwritable:
                    await cluster.FreezeStoreAsync(fault.Node);
                    await Task.Delay(fault.For);
                    await cluster.ThawStoreAsync(fault.Node);
                    break;
                case Plan.FaultKind.KillLinks:
                    detail += $" ({await cluster.KillLinksAsync(fault.Node)} links killed)";
                    break;
                case Plan.FaultKind.PauseRedis:
                    cluster.Redis!.Pause();
                    try { await Task.Delay(fault.For); }
                    finally { cluster.Redis.Resume(); }
                    break;
                case Plan.FaultKind.RestartRedis:
                    await cluster.Redis!.RestartAsync(down: fault.For);
                    break;
                case Plan.FaultKind.KillMaster:
                    detail += $" ({await cluster.KillMasterAsync(fault.Room!, fault.For)})";
                    break;
                case Plan.FaultKind.Reshard:
                    detail += $" ({await cluster.ReshardAsync(fault.Room!, fault.For)})";
                    break;
                default: throw new ArgumentOutOfRangeException(nameof(plan), fault.Kind, "no such fault");
            }
            recorder.Add(op with { Outcome = Outcome.Ok, Detail = detail });
            notes.Add(detail);
        }
        return notes;
    }
}
