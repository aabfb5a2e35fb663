/* A program of sniff exec's tests: makes every socket call the preload library interposes, on
 * loopback connections to itself, and checks each call's result itself (so a preload that changed
 * a result makes it exit non-zero). Each connection carries distinct text the test looks for.
 *   socket_calls            the whole run (forks and execs itself as "child PORT")
 *   socket_calls child PORT connects to PORT and sends "from-exec-child" */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

ssize_t __read_chk(int fd, void* buffer, size_t length, size_t buffer_length);
ssize_t __recv_chk(int fd, void* buffer, size_t length, size_t buffer_length, int flags);
ssize_t __recvfrom_chk(int fd, void* buffer, size_t length, size_t buffer_length, int flags,
                       struct sockaddr* address, socklen_t* address_length);

static void expect(int condition, const char* what) {
    if (!condition) {
        fprintf(stderr, "socket_calls: %s (errno %d)\n", what, errno);
        exit(1);
    }
}

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

static int listener(int* port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    expect(fd >= 0 && bind(fd, (struct sockaddr*)&address, sizeof address) == 0, "bind");
    expect(listen(fd, 16) == 0 && getsockname(fd, (struct sockaddr*)&address, &length) == 0,
           "listen");
    *port = ntohs(address.sin_port);
    return fd;
}

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = loopback(port);
    expect(connect(fd, (struct sockaddr*)&address, sizeof address) == 0, "connect");
    return fd;
}

/* Reads exactly `length` bytes with read(). */
static void read_all(int fd, char* buffer, size_t length) {
    size_t got = 0;
    while (got < length) {
        ssize_t n = read(fd, buffer + got, length - got);
        expect(n > 0, "read_all");
        got += (size_t)n;
    }
}

static void expect_text(int fd, const char* text) {
    char buffer[256];
    size_t length = strlen(text);
    read_all(fd, buffer, length);
    expect(memcmp(buffer, text, length) == 0, text);
}

static void stream_calls(int client, int server) {
    char buffer[256];
    struct iovec parts[2] = {{"writev-", 7}, {"part", 4}};
    expect(write(client, "via-write", 9) == 9, "write");
    expect_text(server, "via-write");
    expect(send(client, "via-send", 8, 0) == 8, "send");
    expect(recv(server, buffer, 8, MSG_WAITALL) == 8 && memcmp(buffer, "via-send", 8) == 0, "recv");
    expect(writev(client, parts, 2) == 11, "writev");
    struct iovec in[2] = {{buffer, 7}, {buffer + 7, 4}};
    expect(readv(server, in, 2) == 11 && memcmp(buffer, "writev-part", 11) == 0, "readv");
    expect(sendto(client, "via-sendto", 10, 0, NULL, 0) == 10, "sendto");
    expect(recvfrom(server, buffer, 10, MSG_WAITALL, NULL, NULL) == 10, "recvfrom");
    struct iovec out = {"via-sendmsg", 11};
    struct msghdr message;
    memset(&message, 0, sizeof message);
    message.msg_iov = &out;
    message.msg_iovlen = 1;
    expect(sendmsg(client, &message, 0) == 11, "sendmsg");
    struct iovec back = {buffer, 11};
    message.msg_iov = &back;
    expect(recvmsg(server, &message, MSG_WAITALL) == 11 && memcmp(buffer, "via-sendmsg", 11) == 0,
           "recvmsg");
    /* MSG_PEEK: the same bytes twice, the stream advances once. */
    expect(write(client, "peeked", 6) == 6, "write peeked");
    expect(recv(server, buffer, 6, MSG_PEEK | MSG_WAITALL) == 6, "peek");
    expect(recv(server, buffer, 6, MSG_WAITALL) == 6 && memcmp(buffer, "peeked", 6) == 0,
           "after peek");
    /* The fortified entry points, called as _FORTIFY_SOURCE builds call them. */
    expect(write(client, "chk1chk2chk3", 12) == 12, "write chk");
    expect(__read_chk(server, buffer, 4, sizeof buffer) == 4, "__read_chk");
    expect(__recv_chk(server, buffer, 4, sizeof buffer, MSG_WAITALL) == 4, "__recv_chk");
    expect(__recvfrom_chk(server, buffer, 4, sizeof buffer, MSG_WAITALL, NULL, NULL) == 4,
           "__recvfrom_chk");
    /* Server to client too. */
    expect(write(server, "answer", 6) == 6, "answer");
    expect_text(client, "answer");
}

static void file_calls(int client, int server) {
    char path[] = "/tmp/sniff-socket-calls-XXXXXX";
    int file = mkstemp(path);
    expect(file >= 0 && write(file, "from-sendfile", 13) == 13, "temp file");
    off_t offset = 0;
    expect(sendfile(client, file, &offset, 13) == 13, "sendfile");
    close(file);
    unlink(path);
    int pipe_ends[2];
    expect(pipe(pipe_ends) == 0, "pipe");
    expect(splice(server, NULL, pipe_ends[1], NULL, 13, 0) == 13, "splice");
    char buffer[16];
    expect(read(pipe_ends[0], buffer, 13) == 13 && memcmp(buffer, "from-sendfile", 13) == 0,
           "spliced bytes");
    close(pipe_ends[0]);
    close(pipe_ends[1]);
}

static void udp_calls(void) {
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    expect(bind(b, (struct sockaddr*)&address, sizeof address) == 0, "udp bind");
    expect(getsockname(b, (struct sockaddr*)&address, &length) == 0, "udp name");
    static char big[3000];
    memset(big, 'u', sizeof big);
    memcpy(big, "udp-big", 7);
    expect(sendto(a, big, sizeof big, 0, (struct sockaddr*)&address, sizeof address) == 3000,
           "udp sendto");
    char buffer[1024];
    /* The article's third experiment: 3000 bytes arrive, 1024 are kept. */
    expect(recv(b, buffer, sizeof buffer, 0) == 1024, "udp recv cut");
    struct mmsghdr messages[2];
    struct iovec parts[2] = {{"udp-mmsg-1", 10}, {"udp-mmsg-2", 10}};
    memset(messages, 0, sizeof messages);
    for (int i = 0; i < 2; ++i) {
        messages[i].msg_hdr.msg_iov = &parts[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_name = &address;
        messages[i].msg_hdr.msg_namelen = sizeof address;
    }
    expect(sendmmsg(a, messages, 2, 0) == 2, "sendmmsg");
    char in[2][16];
    struct iovec back[2] = {{in[0], 16}, {in[1], 16}};
    memset(messages, 0, sizeof messages);
    for (int i = 0; i < 2; ++i) {
        messages[i].msg_hdr.msg_iov = &back[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    int got = 0;
    while (got < 2) {
        int n = recvmmsg(b, messages + got, 2 - got, 0, NULL);
        expect(n > 0, "recvmmsg");
        for (int i = got; i < got + n; ++i)
            expect(messages[i].msg_len == 10, "recvmmsg length");
        got += n;
    }
    close(a);
    close(b);
}

/* dup2 over a socket: the number now names the other connection. */
static void dup_calls(int listen_fd, int port) {
    int first = connect_to(port), first_peer = accept(listen_fd, NULL, NULL);
    int second = connect_to(port), second_peer = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    expect(write(first, "dup-first", 9) == 9, "dup first");
    expect_text(first_peer, "dup-first");
    expect(dup2(second, first) == first, "dup2");
    expect(write(first, "dup2-lands-on-second", 20) == 20, "write after dup2");
    expect_text(second_peer, "dup2-lands-on-second");
    int copy = dup(second);
    int copy2 = fcntl(second, F_DUPFD_CLOEXEC, 100);
    expect(copy >= 0 && copy2 >= 100, "dup, F_DUPFD");
    expect(write(copy2, "+fcntl-dup", 10) == 10, "write fcntl dup");
    expect_text(second_peer, "+fcntl-dup");
    close(copy);
    close(copy2);
    close(first);
    close(second);
    close(first_peer);
    close(second_peer);
}

/* A descriptor number reused after close: the new socket is a new flow. */
static void reuse_calls(int listen_fd, int port) {
    int old_fd = connect_to(port), old_peer = accept(listen_fd, NULL, NULL);
    expect(write(old_fd, "before-reuse", 12) == 12, "before reuse");
    expect_text(old_peer, "before-reuse");
    close(old_fd);
    int new_fd = connect_to(port), new_peer = accept(listen_fd, NULL, NULL);
    expect(new_fd == old_fd, "the number is reused");
    expect(write(new_fd, "after-reuse", 11) == 11, "after reuse");
    expect_text(new_peer, "after-reuse");
    close(new_fd);
    close(new_peer);
    close(old_peer);
}

struct thread_job {
    int port;
    int listen_fd;
    const char* text;
};

static void* thread_main(void* argument) {
    struct thread_job* job = argument;
    int fd = connect_to(job->port);
    for (int i = 0; i < 50; ++i)
        expect(send(fd, job->text, strlen(job->text), 0) == (ssize_t)strlen(job->text),
               "thread send");
    close(fd);
    return NULL;
}

static void thread_calls(int listen_fd, int port) {
    struct thread_job jobs[2] = {{port, listen_fd, "thread-A;"}, {port, listen_fd, "thread-B;"}};
    pthread_t threads[2];
    for (int i = 0; i < 2; ++i)
        expect(pthread_create(&threads[i], NULL, thread_main, &jobs[i]) == 0, "thread");
    for (int i = 0; i < 2; ++i) {
        int peer = accept(listen_fd, NULL, NULL);
        char buffer[512];
        size_t total = 0;
        ssize_t n;
        while ((n = read(peer, buffer, sizeof buffer)) > 0)
            total += (size_t)n;
        expect(n == 0 && total == 450, "thread bytes");
        close(peer);
    }
    for (int i = 0; i < 2; ++i)
        pthread_join(threads[i], NULL);
}

static void fork_calls(const char* self, int listen_fd, int port) {
    pid_t child = fork();
    expect(child >= 0, "fork");
    if (child == 0) {
        int fd = connect_to(port);
        expect(write(fd, "from-fork-child", 15) == 15, "fork child write");
        close(fd);
        char port_text[16];
        snprintf(port_text, sizeof port_text, "%d", port);
        execl(self, self, "child", port_text, (char*)NULL);
        _exit(3);
    }
    for (int i = 0; i < 2; ++i) {
        int peer = accept(listen_fd, NULL, NULL);
        char buffer[64];
        ssize_t n = read(peer, buffer, sizeof buffer);
        expect(n == 15, "child text");
        close(peer);
    }
    int status = 0;
    expect(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "child status");
}

static void late_write(int listen_fd, int port, const char* text) {
    int fd = connect_to(port), peer = accept(listen_fd, NULL, NULL);
    expect(write(fd, text, strlen(text)) == (ssize_t)strlen(text), text);
    expect_text(peer, text);
    close(fd);
    close(peer);
}

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "child") == 0) {
        int fd = connect_to(atoi(argv[2]));
        expect(write(fd, "from-exec-child", 15) == 15, "exec child write");
        close(fd);
        return 0;
    }
    int port = 0;
    int listen_fd = listener(&port);
    int client = connect_to(port);
    int server = accept(listen_fd, NULL, NULL);
    expect(server >= 0, "accept");
    stream_calls(client, server);
    file_calls(client, server);
    close(client);
    char buffer[8];
    expect(read(server, buffer, sizeof buffer) == 0, "end of stream");
    close(server);
    udp_calls();
    dup_calls(listen_fd, port);
    reuse_calls(listen_fd, port);
    thread_calls(listen_fd, port);
    fork_calls(argv[0], listen_fd, port);
    /* The report descriptor cannot be closed by accident (1021 under sniff exec, unused without:
     * both answer EBADF), nor by a program closing every high descriptor; a dup2 onto its number
     * gets the number, and the report moves aside. */
    expect(close(1021) == -1 && errno == EBADF, "close of the report descriptor");
    expect(close_range(1000, ~0u, 0) == 0, "close_range");
    late_write(listen_fd, port, "after-close-range");
    expect(dup2(listen_fd, 1021) == 1021, "dup2 onto 1021");
    late_write(listen_fd, port, "after-dup2-onto-1021");
    expect(close(1021) == 0, "close of the program's own 1021");
    close(listen_fd);
    return 0;
}
