package io.netmap4j.netty.testsuite;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An ordinary Netty handler that answers ARP requests for one IPv4 address and ICMP echo
 * requests to it, by rewriting the received frame in place and writing it back: what a host
 * stack does for ping and arping, in a few lines of frame handling.
 */
final class ArpIcmpResponder extends SimpleChannelInboundHandler<ByteBuf> {
    private final byte[] mac;
    private final int ip;
    final AtomicInteger arpReplies = new AtomicInteger();
    final AtomicInteger echoReplies = new AtomicInteger();

    ArpIcmpResponder(byte[] mac, int ip) {
        super(false); // the frame is written back, and released by the write
        this.mac = mac.clone();
        this.ip = ip;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf f) {
        int b = f.readerIndex();
        int type = f.getUnsignedShort(b + 12);
        if (type == 0x0806 && f.readableBytes() >= 42 && f.getUnsignedShort(b + 20) == 1 && f.getInt(b + 38) == ip) {
            // ARP request for our address: the reply goes to the asker, from us
            byte[] askerMac = new byte[6];
            f.getBytes(b + 22, askerMac);
            int askerIp = f.getInt(b + 28);
            f.setBytes(b, askerMac);
            f.setBytes(b + 6, mac);
            f.setShort(b + 20, 2);
            f.setBytes(b + 22, mac);
            f.setInt(b + 28, ip);
            f.setBytes(b + 32, askerMac);
            f.setInt(b + 38, askerIp);
            arpReplies.incrementAndGet();
            ctx.writeAndFlush(f);
        } else if (type == 0x0800 && f.readableBytes() >= 42 && f.getUnsignedByte(b + 23) == 1 && f.getInt(b + 30) == ip) {
            int ihl = (f.getUnsignedByte(b + 14) & 0x0f) * 4;
            int icmp = b + 14 + ihl;
            if (f.getUnsignedByte(icmp) != 8) {
                f.release();
                return;
            }
            byte[] peerMac = new byte[6];
            f.getBytes(b + 6, peerMac);
            f.setBytes(b, peerMac);
            f.setBytes(b + 6, mac);
            int src = f.getInt(b + 26);
            f.setInt(b + 26, ip);
            f.setInt(b + 30, src); // swapping the addresses keeps the IP checksum right
            f.setByte(icmp, 0); // echo reply
            int icmpLen = f.getUnsignedShort(b + 16) - ihl;
            f.setShort(icmp + 2, 0);
            f.setShort(icmp + 2, checksum(f, icmp, icmpLen));
            echoReplies.incrementAndGet();
            ctx.writeAndFlush(f);
        } else {
            f.release();
        }
    }

    static int checksum(ByteBuf f, int from, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += f.getUnsignedShort(from + i);
        }
        if ((len & 1) != 0) {
            sum += f.getUnsignedByte(from + len - 1) << 8;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
