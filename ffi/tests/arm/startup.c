/*
 * Minimal Cortex-M start-up for running the C tests on QEMU's lm3s6965evb (Cortex-M3) and
 * mps2-an386 (Cortex-M4F): vector table, a reset handler that turns on the FPU (hard-float
 * builds), sets up .data/.bss, turns on semihosting I/O, runs main and exits through
 * semihosting so that QEMU ends with the test's status.
 */
#include <stdint.h>
#include <stdlib.h>

extern int main(void);
extern void initialise_monitor_handles(void);

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

void Reset_Handler(void);
void Default_Handler(void);

void Reset_Handler(void) {
    uint32_t *src = &_sidata;
    uint32_t *dst = &_sdata;
#if defined(__ARM_FP)
    /* CPACR: full access to the coprocessors CP10 and CP11 (the FPU) before any float code. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb");
#endif
    while (dst < &_edata) {
        *dst++ = *src++;
    }
    for (dst = &_sbss; dst < &_ebss; dst++) {
        *dst = 0;
    }
    initialise_monitor_handles();
    exit(main());
}

/* Any fault (a Rust panic executes `udf`, a bad access faults) ends the run with status 3. */
void Default_Handler(void) {
    exit(3);
}

/* A vector table entry: the initial stack pointer, or a handler. */
typedef union {
    uint32_t *stack;
    void (*handler)(void);
} vector_entry;

__attribute__((section(".isr_vector"), used)) const vector_entry vector_table[16] = {
    {.stack = &_estack}, /* initial stack pointer */
    {.handler = Reset_Handler},
    {.handler = Default_Handler}, /* NMI */
    {.handler = Default_Handler}, /* HardFault */
    {.handler = Default_Handler}, /* MemManage */
    {.handler = Default_Handler}, /* BusFault */
    {.handler = Default_Handler}, /* UsageFault */
    {.handler = 0},
    {.handler = 0},
    {.handler = 0},
    {.handler = 0},
    {.handler = Default_Handler}, /* SVCall */
    {.handler = Default_Handler}, /* DebugMonitor */
    {.handler = 0},
    {.handler = Default_Handler}, /* PendSV */
    {.handler = Default_Handler}, /* SysTick */
};
