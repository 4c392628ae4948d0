%% Erlang/OTP baselines for Strand's benchmarks, run side by side with them
%% by bench/src/run.ts so that ratios come from one run on one machine.
%%
%% Usage (the runner compiles this file into a temporary directory first):
%%   erl -noshell +S 1 +P 4000000 -pa DIR -run strand_bench main spawn:1000000 ring:1000:1000 pingpong:1000000
%%
%% Each case prints lines `METRIC <id> <value> <unit>` with the same ids the
%% Strand benchmarks use, and the VM halts when all cases are done.
%%
%% Cases
%%   spawn:N        spawn N processes that block in `receive`; rate until all
%%                  of them wait, memory per process (erlang:memory(processes)
%%                  delta with all of them alive), then time to kill them all.
%%   ring:N:M       N processes in a ring pass a token M times around (N*M messages).
%%   pingpong:N     two processes, N round trips of `{From, I}` / `I`.
%%   info           OTP release, schedulers online.
-module(strand_bench).
-export([main/1, idle/0]).

%% Every wait below is bounded by this many polls (each sleeps 1 ms or yields).
-define(MAX_POLLS, 600000).

main(Args) ->
    try
        lists:foreach(fun run_case/1, Args),
        halt(0)
    catch
        Class:Reason:Stack ->
            io:format(standard_error, "strand_bench: ~p:~p~n~p~n", [Class, Reason, Stack]),
            halt(1)
    end.

run_case(Arg) ->
    case string:split(Arg, ":", all) of
        ["info"] ->
            io:format("INFO otp ~s~n", [erlang:system_info(otp_release)]),
            io:format("INFO erts ~s~n", [erlang:system_info(version)]),
            io:format("INFO schedulers ~p~n", [erlang:system_info(schedulers_online)]);
        ["spawn", N] -> spawn_case(list_to_integer(N));
        ["ring", N, M] -> ring_case(list_to_integer(N), list_to_integer(M));
        ["pingpong", N] -> pingpong_case(list_to_integer(N))
    end.

metric(Id, Value, Unit) ->
    io:format("METRIC ~s ~.6f ~s~n", [Id, float(Value), Unit]).

now_us() -> erlang:monotonic_time(microsecond).

%% ─── spawn ──────────────────────────────────────────────────────────────────

idle() ->
    receive stop -> ok end.

spawn_case(N) ->
    Id = "spawn/" ++ integer_to_list(N),
    Before = erlang:processes(),
    BaseCount = erlang:system_info(process_count),
    garbage_collect(),
    Mem0 = erlang:memory(processes),
    T0 = now_us(),
    spawn_loop(N),
    wait_run_queues_empty(),
    T1 = now_us(),
    garbage_collect(),
    Mem1 = erlang:memory(processes),
    Count = erlang:system_info(process_count) - BaseCount,
    Count >= N orelse error({not_all_alive, Count, N}),
    metric(Id ++ "/rate", N / ((T1 - T0) / 1.0e6), "processes/s"),
    metric(Id ++ "/bytes", (Mem1 - Mem0) / N, "bytes/process"),
    %% Teardown: kill every process started since `Before`, wait until they are gone.
    T2 = now_us(),
    Old = maps:from_list([{P, true} || P <- Before]),
    Self = self(),
    lists:foreach(
      fun(P) ->
              case maps:is_key(P, Old) orelse P =:= Self of
                  true -> ok;
                  false -> exit(P, kill)
              end
      end, erlang:processes()),
    wait_count_at_most(BaseCount, 0),
    T3 = now_us(),
    metric(Id ++ "/teardown", (T3 - T2) / 1000, "ms").

spawn_loop(0) -> ok;
spawn_loop(K) ->
    spawn(?MODULE, idle, []),
    spawn_loop(K - 1).

%% All spawned processes have run and blocked once no run queue holds anything.
wait_run_queues_empty() -> wait_run_queues_empty(0).
wait_run_queues_empty(Polls) when Polls > ?MAX_POLLS -> error(run_queues_never_empty);
wait_run_queues_empty(Polls) ->
    case erlang:statistics(total_run_queue_lengths_all) of
        0 -> ok;
        _ -> erlang:yield(), wait_run_queues_empty(Polls + 1)
    end.

wait_count_at_most(_Count, Polls) when Polls > ?MAX_POLLS -> error(processes_never_exited);
wait_count_at_most(Count, Polls) ->
    case erlang:system_info(process_count) =< Count of
        true -> ok;
        false -> timer:sleep(1), wait_count_at_most(Count, Polls + 1)
    end.

%% ─── ring ───────────────────────────────────────────────────────────────────

ring_case(N, M) ->
    Id = "ring/" ++ integer_to_list(N) ++ "x" ++ integer_to_list(M),
    Self = self(),
    Head = spawn(fun() -> ring_head(N, M, Self) end),
    receive {Head, ready} -> ok end,
    wait_run_queues_empty(),
    T0 = now_us(),
    Head ! go,
    receive {Head, done} -> ok end,
    T1 = now_us(),
    metric(Id ++ "/rate", N * M / ((T1 - T0) / 1.0e6), "messages/s"),
    %% The head ends with `shutdown`, which takes its linked ring nodes down too.
    MRef = monitor(process, Head),
    Head ! stop,
    receive {'DOWN', MRef, process, Head, _} -> ok end.

ring_head(N, M, Parent) ->
    %% Node N-1 forwards to the head; the head sends to node 1. N processes, N messages a round.
    First = lists:foldl(fun(_, Next) -> spawn_link(fun() -> ring_node(Next) end) end,
                        self(), lists:seq(1, N - 1)),
    Parent ! {self(), ready},
    receive go -> ok end,
    ring_rounds(First, M),
    Parent ! {self(), done},
    receive stop -> exit(shutdown) end.

ring_rounds(_First, 0) -> ok;
ring_rounds(First, K) ->
    First ! K,
    receive _ -> ok end,
    ring_rounds(First, K - 1).

ring_node(Next) ->
    receive Msg -> Next ! Msg end,
    ring_node(Next).

%% ─── ping-pong ──────────────────────────────────────────────────────────────

pingpong_case(N) ->
    Id = "pingpong/" ++ integer_to_list(N),
    Self = self(),
    Pong = spawn(fun pong/0),
    Ping = spawn(fun() -> receive go -> ok end, ping(Pong, N), Self ! {self(), done} end),
    wait_run_queues_empty(),
    T0 = now_us(),
    Ping ! go,
    receive {Ping, done} -> ok end,
    T1 = now_us(),
    Pong ! stop,
    metric(Id ++ "/rate", N / ((T1 - T0) / 1.0e6), "round trips/s").

ping(_Pong, 0) -> ok;
ping(Pong, K) ->
    Pong ! {self(), K},
    receive _ -> ok end,
    ping(Pong, K - 1).

pong() ->
    receive
        {From, K} -> From ! K, pong();
        stop -> ok
    end.
