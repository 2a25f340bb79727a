// bulk.cc: one bulk TCP transfer over one 1 Gbit/s link, with random loss
// on the data direction only: the ns-3 side of the comparison with
// `zcsim run -cc reno` (README.md beside this file has the results).
//
// Build (Debian 12: apt-get install ns3 libns3-dev, ns-3 3.37), one command:
//   g++ -std=c++17 -O2 -rdynamic tcp/testdata/ns3/bulk.cc -o /tmp/ns3-bulk
//       -lns3-core -lns3-network -lns3-internet -lns3-point-to-point
//       -lns3-applications -lns3-traffic-control
// Run:
//   /tmp/ns3-bulk --loss=0.01 --rttMs=1 --bytes=67108864 --seed=1 --rateMbps=1000
//
// What it models: sender --- receiver over one point-to-point link of
// rateMbps each way with one-way delay rttMs/2. The sender's BulkSend
// application writes `bytes` into a TcpNewReno socket (SACK, window scaling,
// timestamps, PRR recovery: the ns-3 defaults, --cc/--recovery change them)
// with MSS 1448, initial cwnd 10, min RTO 200 ms, a 128 MiB send buffer;
// the receiver's PacketSink reads at once from a 1 MiB receive buffer,
// ACKing every 2nd full segment (delayed-ACK timer 40 ms, as Linux's
// TCP_DELACK_MIN). A RateErrorModel (unit: packet) on the receiver's device
// drops each arriving data packet with probability `loss`; ACKs are never
// lost. There is no queue disc, and the device queue holds 10000 packets,
// far more than a 1 MiB window: no packet is lost to a full queue.
//
// Output, one line (README.md says what each field counts):
//   loss=… rtt_ms=… seed=… bytes=… goodput_Mbps=… duration_s=…
//   retransmits=… rtos=… recoveries=…
// goodput = payload bytes delivered × 8 / (last byte received − first data
// byte sent); rtos counts every expiry of the retransmission timer.
#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

#include <cstdio>
#include <dlfcn.h>

using namespace ns3;

#if __has_include("ns3/version-defines.h")
#include "ns3/version-defines.h"
#endif
#if defined(NS3_VERSION_MINOR) && NS3_VERSION_MAJOR == 3 && NS3_VERSION_MINOR < 41
// ns-3 bug #991 (fixed in 3.41): when the data sent fills the peer's window
// exactly, TcpTxBuffer::NextSeg() returns an empty range and SendDataPacket()
// dereferences a null item (SIGSEGV in 3.37, e.g. loss 0.001 seed 1). This
// definition interposes on the library's (-rdynamic exports it), calls it,
// and answers "nothing to send" for an empty range, as 3.41 does.
bool
TcpTxBuffer::NextSeg(SequenceNumber32* seq, SequenceNumber32* seqHigh, bool isRecovery) const
{
    using Fn = bool (*)(const TcpTxBuffer*, SequenceNumber32*, SequenceNumber32*, bool);
    static Fn lib = reinterpret_cast<Fn>(
        dlsym(RTLD_NEXT, "_ZNK3ns311TcpTxBuffer7NextSegEPNS_14SequenceNumberIjiEES3_b"));
    return lib(this, seq, seqHigh, isRecovery) && *seqHigh != *seq;
}
#endif

namespace
{
unsigned long long g_want = 0; // bytes the sink must receive
unsigned long long g_rx = 0;   // bytes the sink has received
Time g_firstTx = Time(-1);     // when the first data byte was sent
Time g_lastRx;                 // when the last byte was received
SequenceNumber32 g_highTx;     // end of the highest data sent so far
unsigned long long g_retrans = 0, g_rtos = 0, g_recoveries = 0;

void
OnTx(Ptr<const Packet> p, const TcpHeader& h, Ptr<const TcpSocketBase>)
{
    if (p->GetSize() == 0)
        return; // pure ACK, SYN or FIN
    SequenceNumber32 seq = h.GetSequenceNumber();
    if (g_firstTx.IsNegative())
        g_firstTx = Simulator::Now(), g_highTx = seq;
    if (seq < g_highTx)
        g_retrans++;
    g_highTx = std::max(g_highTx, seq + p->GetSize());
}

void
OnCongState(TcpSocketState::TcpCongState_t, TcpSocketState::TcpCongState_t now)
{
    if (now == TcpSocketState::CA_RECOVERY)
        g_recoveries++;
}

void
OnRto(Time old, Time now)
{
    // A timeout doubles the RTO (up to 60 s); an RTT sample sets it to
    // srtt + 4 rttvar, which at these RTTs is always the 200 ms MinRto.
    if (!g_firstTx.IsNegative() && now > old && (now == old + old || now == Seconds(60)))
        g_rtos++;
}

void
OnSinkRx(Ptr<const Packet> p, const Address&)
{
    g_rx += p->GetSize();
    g_lastRx = Simulator::Now();
    if (g_rx >= g_want)
        Simulator::Stop();
}

void
HookSocket(Ptr<BulkSendApplication> app)
{
    Ptr<Socket> s = app->GetSocket();
    s->TraceConnectWithoutContext("Tx", MakeCallback(&OnTx));
    s->TraceConnectWithoutContext("CongState", MakeCallback(&OnCongState));
    s->TraceConnectWithoutContext("RTO", MakeCallback(&OnRto));
}
} // namespace

int
main(int argc, char* argv[])
{
    double loss = 0.01, rttMs = 1, rateMbps = 1000;
    uint64_t bytes = 64 << 20;
    uint32_t seed = 1, rwnd = 1 << 20;
    std::string cc = "ns3::TcpNewReno", recovery = "ns3::TcpPrrRecovery";
    CommandLine cmd(__FILE__);
    cmd.AddValue("loss", "data packet loss probability", loss);
    cmd.AddValue("rttMs", "round-trip propagation delay, ms", rttMs);
    cmd.AddValue("bytes", "bytes to transfer", bytes);
    cmd.AddValue("seed", "RNG run number (RngSeedManager::SetRun)", seed);
    cmd.AddValue("rateMbps", "link rate each way, Mbit/s", rateMbps);
    cmd.AddValue("rwnd", "receive buffer (the largest window), bytes", rwnd);
    cmd.AddValue("cc", "congestion control TypeId", cc);
    cmd.AddValue("recovery", "recovery TypeId (ns3::TcpPrrRecovery, ns3::TcpClassicRecovery)", recovery);
    cmd.Parse(argc, argv);
    g_want = bytes;

    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(seed);

    Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(TypeId::LookupByName(cc)));
    Config::SetDefault("ns3::TcpL4Protocol::RecoveryType",
                       TypeIdValue(TypeId::LookupByName(recovery)));
    Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(true));
    Config::SetDefault("ns3::TcpSocketBase::WindowScaling", BooleanValue(true));
    Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(200)));
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(10));
    Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(2));
    Config::SetDefault("ns3::TcpSocket::DelAckTimeout", TimeValue(MilliSeconds(40)));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(rwnd));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(128 << 20));

    NodeContainer nodes;
    nodes.Create(2); // 0 sends, 1 receives
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", DataRateValue(DataRate(uint64_t(rateMbps * 1e6))));
    p2p.SetChannelAttribute("Delay", TimeValue(NanoSeconds(int64_t(rttMs * 1e6 / 2))));
    p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", QueueSizeValue(QueueSize("10000p")));
    NetDeviceContainer devs = p2p.Install(nodes);

    Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
    em->SetAttribute("ErrorRate", DoubleValue(loss));
    em->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
    devs.Get(1)->SetAttribute("ReceiveErrorModel", PointerValue(em));

    InternetStackHelper stack;
    stack.Install(nodes);
    Ipv4AddressHelper addr;
    addr.SetBase("10.1.1.0", "255.255.255.0");
    Ipv4InterfaceContainer ifs = addr.Assign(devs);
    TrafficControlHelper().Uninstall(devs); // Assign installed FqCoDel: remove it

    uint16_t port = 5001;
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), port));
    ApplicationContainer sink = sinkHelper.Install(nodes.Get(1));
    sink.Get(0)->TraceConnectWithoutContext("Rx", MakeCallback(&OnSinkRx));
    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(ifs.GetAddress(1), port));
    bulk.SetAttribute("MaxBytes", UintegerValue(bytes));
    bulk.SetAttribute("SendSize", UintegerValue(64 << 10));
    ApplicationContainer src = bulk.Install(nodes.Get(0));
    src.Start(Seconds(0));
    Simulator::Schedule(NanoSeconds(1), &HookSocket, DynamicCast<BulkSendApplication>(src.Get(0)));

    Simulator::Stop(Seconds(3600)); // a bound; OnSinkRx stops the run at the last byte
    Simulator::Run();
    Simulator::Destroy();

    if (g_rx < g_want)
    {
        std::fprintf(stderr, "ns3-bulk: only %llu of %llu bytes arrived\n", g_rx, g_want);
        return 1;
    }
    double dur = (g_lastRx - g_firstTx).GetSeconds();
    std::printf("loss=%g rtt_ms=%g seed=%u bytes=%llu goodput_Mbps=%.2f duration_s=%.6f "
                "retransmits=%llu rtos=%llu recoveries=%llu\n",
                loss, rttMs, seed, g_rx, g_rx * 8 / dur / 1e6, dur, g_retrans, g_rtos, g_recoveries);
    return 0;
}
